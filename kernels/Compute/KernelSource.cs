using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace CnnEngine.Kernels.Compute;

/// <summary>
/// The kernel C sources embedded in this assembly (kernels/src/*.c, prelude.h), and the text a device compiler
/// gets: the defines, the prelude, then the op's file.
/// </summary>
public static class KernelSource
{
    public static string Read(string file)
    {
        using var stream = typeof(KernelSource).Assembly.GetManifestResourceStream("kernels/" + file)
            ?? throw new DeviceException($"kernel source {file} is not embedded in {typeof(KernelSource).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public static IEnumerable<string> Files =>
        typeof(KernelSource).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("kernels/", StringComparison.Ordinal))
            .Select(n => n["kernels/".Length..]);

    /// <summary>The full program text for one op: #defines, prelude.h, the op's source.</summary>
    public static string Program(string file, IReadOnlyDictionary<string, int>? defines)
    {
        var sb = new StringBuilder();
        if (defines is not null)
            foreach (var (name, value) in defines.OrderBy(d => d.Key, StringComparer.Ordinal))
                sb.Append("#define ").Append(name).Append(' ').Append(value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(Read("prelude.h")).Append('\n');
        sb.Append("#line 1 \"").Append(file).Append("\"\n");
        sb.Append(Read(file));
        return sb.ToString();
    }

    public static string Hash(params string[] parts)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u0001", parts)));
        return Convert.ToHexString(bytes.AsSpan(0, 16)).ToLowerInvariant();
    }
}

/// <summary>
/// Compiled programs on disk (OpenCL program binaries, NVRTC PTX), keyed by a hash of source, options and
/// device/driver, under $XDG_CACHE_HOME/cnn-engine/kernels or ~/.cache/cnn-engine/kernels.
/// A cache that cannot be read or written is simply not used: compiling again is always correct.
/// </summary>
public static class ProgramCache
{
    public static string Directory
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrEmpty(xdg) ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "cnn-engine", "kernels");
        }
    }

    public static byte[]? TryLoad(string key, string extension)
    {
        try
        {
            string path = Path.Combine(Directory, key + extension);
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Writes to a temporary name, then renames, so a reader never sees half a file.</summary>
    public static void TryStore(string key, string extension, ReadOnlySpan<byte> data)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            string path = Path.Combine(Directory, key + extension);
            string temp = path + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            File.WriteAllBytes(temp, data.ToArray());
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
