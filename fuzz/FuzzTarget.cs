namespace CnnEngine.Fuzz;

/// <summary>One encoded input to start from: a committed fixture, a photo, or a file generated from them.</summary>
public sealed record Seed(string Name, byte[] Bytes);

/// <summary>
/// One parser under fuzz: its seeds, how to mutate them (byte-level always; structure-aware where the format has
/// structure worth keeping valid), how to feed it, and which exception types count as a clean refusal.
/// </summary>
public abstract class FuzzTarget
{
    public abstract string Name { get; }
    public abstract IReadOnlyList<Seed> Seeds { get; }

    /// <summary>Parses <paramref name="input"/> completely (every tensor, every pixel). Throws what the parser throws.</summary>
    public abstract void Run(byte[] input, Scratch scratch);

    /// <summary>The documented failure types: anything else is a finding.</summary>
    public abstract bool IsExpected(Exception e);

    /// <summary>A structure-aware mutation of <paramref name="seed"/>, or null when this target has none.</summary>
    public virtual byte[]? MutateStructure(Seed seed, Random rng) => null;

    /// <summary>Bytes one input may allocate before it counts as a huge allocation (a small file must stay small).</summary>
    public virtual long AllocationLimit => 256L << 20;
}

/// <summary>A per-run scratch file for parsers that read from a path (HDF5, safetensors).</summary>
public sealed class Scratch : IDisposable
{
    public string Directory { get; }

    public Scratch()
    {
        Directory = Path.Combine(Path.GetTempPath(), $"cnn-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Write(byte[] bytes, string fileName)
    {
        string path = Path.Combine(Directory, fileName);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
