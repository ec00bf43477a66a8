using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;

namespace CnnEngine.Deconv.Tests.Support;

/// <summary>Seeded weights shared with the PyTorch reference (as a folder of Keras-layout .npy), inputs, reference runs.</summary>
internal static class Fixtures
{
    public static string ReferenceScript => Path.Combine(Paths.RepoRoot, "tests", "reference", "deconv", "deconv_reference.py");

    private static readonly Dictionary<string, Vgg16Weights> Cache = new();
    private static readonly object Lock = new();

    /// <summary>Vgg16Weights.Random(seed) and the folder holding the same values as .npy for python (cached in tests/.generated).</summary>
    public static (Vgg16Weights Weights, string Folder) RandomWeights(int seed, bool includeTop)
    {
        lock (Lock)
        {
            string key = $"deconv-weights-seed{seed}{(includeTop ? "-top" : "")}";
            if (!Cache.TryGetValue(key, out var weights)) Cache[key] = weights = Vgg16Weights.Random(seed, includeTop);
            string folder = Path.Combine(Paths.Generated, key);
            if (!File.Exists(Path.Combine(folder, "complete")))
            {
                Directory.CreateDirectory(folder);
                foreach (var layer in weights.Layers.Where(l => l.HasWeights))
                {
                    var lw = weights[layer.Name];
                    WriteNpy(Path.Combine(folder, layer.Name + ".kernel.npy"), lw.Kernel.ToArray(), lw.KernelShape);
                    WriteNpy(Path.Combine(folder, layer.Name + ".bias.npy"), lw.Bias.ToArray(), layer.OutChannels);
                }
                File.WriteAllText(Path.Combine(folder, "complete"), "");
            }
            return (weights, folder);
        }
    }

    /// <summary>A real photo, loaded and preprocessed by PIL (keras.utils.load_img + preprocess_input) into (1, 224, 224, 3).</summary>
    public static (Tensor Input, string NpyPath) Photo(string name)
    {
        lock (Lock) return PhotoLocked(name); // test classes run in parallel: one writer per cached file
    }

    private static (Tensor Input, string NpyPath) PhotoLocked(string name)
    {
        string path = Path.Combine(Paths.Generated, $"deconv-input-{Path.GetFileNameWithoutExtension(name)}.npy");
        if (!File.Exists(path))
        {
            string script = "import sys; sys.path.insert(0, sys.argv[1]); import vgg16_reference as r, numpy as np; " +
                            "np.save(sys.argv[3], r.load_image(sys.argv[2], (224, 224), 'nearest'))";
            var r = Python.RunRaw(new[] { "-c", script, Path.Combine(Paths.RepoRoot, "tests", "reference"), Paths.SharedImage(name), path + ".tmp.npy" }, TimeSpan.FromMinutes(2));
            if (r.ExitCode != 0) throw new InvalidOperationException(r.StdErr);
            File.Move(path + ".tmp.npy", path);
        }
        var a = Npy.Read(path);
        return (new Tensor(a.AsFloat32(), a.Shape), path);
    }

    /// <summary>A small photo-derived input: the photo's top-left crop of height × width (still real pixels).</summary>
    public static (Tensor Input, string NpyPath) PhotoCrop(string name, int height, int width)
    {
        lock (Lock) return PhotoCropLocked(name, height, width);
    }

    private static (Tensor Input, string NpyPath) PhotoCropLocked(string name, int height, int width)
    {
        var (full, _) = PhotoLocked(name);
        string path = Path.Combine(Paths.Generated, $"deconv-input-{Path.GetFileNameWithoutExtension(name)}-{height}x{width}.npy");
        var crop = new Tensor(1, height, width, 3);
        for (int y = 0; y < height; y++)
            full.Data.AsSpan((y * 224) * 3, width * 3).CopyTo(crop.Data.AsSpan(y * width * 3));
        if (!File.Exists(path)) { WriteNpy(path + ".tmp", crop.Data, crop.Shape); File.Move(path + ".tmp", path); }
        return (crop, path);
    }

    /// <summary>Runs the reference once per distinct argument list; returns its output folder (cached).</summary>
    public static string Reference(string name, params string[] args)
    {
        lock (Lock) return ReferenceLocked(name, args);
    }

    private static string ReferenceLocked(string name, string[] args)
    {
        string dir = Path.Combine(Paths.Generated, "deconv-ref-" + name);
        if (File.Exists(Path.Combine(dir, "complete"))) return dir;
        Python.Run(ReferenceScript, TimeSpan.FromMinutes(10), args.Concat(new[] { "--out", dir }).ToArray());
        File.WriteAllText(Path.Combine(dir, "complete"), string.Join(' ', args));
        return dir;
    }

    public static void WriteNpy(string path, float[] data, params int[] shape) =>
        WriteNpy(path, "<f4", System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), shape);

    public static void WriteNpy(string path, int[] data, params int[] shape) =>
        WriteNpy(path, "<i4", System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), shape);

    /// <summary>The pools' switches of a recorded forward as &lt;pool&gt;_switches.npy, for the reference's --switches.</summary>
    public static string WriteSwitches(CnnEngine.Taps.RecordingTap tap, string name)
    {
        string dir = Path.Combine(Paths.Generated, "deconv-switches-" + name);
        Directory.CreateDirectory(dir);
        foreach (var (pool, sw) in tap.Switches) WriteNpy(Path.Combine(dir, pool + "_switches.npy"), sw.Data, sw.Shape);
        return dir;
    }

    /// <summary>A short hash of every recorded switch, in pool order.</summary>
    public static string SwitchesHash(CnnEngine.Taps.RecordingTap tap)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (_, sw) in tap.Switches.OrderBy(p => p.Key, StringComparer.Ordinal))
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(sw.Data.AsSpan()));
        return Convert.ToHexString(sha.GetHashAndReset())[..12];
    }

    private static void WriteNpy(string path, string dtype, byte[] raw, int[] shape)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string dict = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int total = 10 + dict.Length + 1;
        dict = dict.PadRight((total + 63) / 64 * 64 - 11) + "\n";
        using var f = File.Create(path);
        f.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
        f.Write(BitConverter.GetBytes((ushort)dict.Length));
        f.Write(System.Text.Encoding.ASCII.GetBytes(dict));
        f.Write(raw);
    }
}
