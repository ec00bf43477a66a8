using CnnEngine.Weights.Keras;
using CnnEngine.Weights.SafeTensors;

namespace CnnEngine.Weights;

/// <summary>Opens any supported weights file: Keras HDF5 (three layouts, recognized by content) or safetensors.</summary>
public static class WeightStore
{
    private static readonly byte[] Hdf5Magic = { 0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n' };

    /// <summary>
    /// Opens <paramref name="path"/>. HDF5 is recognized by its signature, safetensors by its extension or by a
    /// header that starts with '{'. Throws <see cref="WeightsException"/> (or a subtype) with one clear line.
    /// </summary>
    public static IWeightStore Open(string path)
    {
        if (Directory.Exists(path)) throw new WeightsException($"{path}: is a folder, not a weights file");
        if (!File.Exists(path)) throw new WeightsException($"{path}: no such file");
        var head = new byte[9];
        int n;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightsException($"{path}: cannot read: {e.Message}", e);
        }
        if (n >= 8 && head.AsSpan(0, 8).SequenceEqual(Hdf5Magic)) return new Hdf5WeightStore(path);
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || (n == 9 && head[8] == (byte)'{'))
            return new SafeTensorsStore(path);
        if (path.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase))
        {
            // HDF5 also allows a user block before the superblock; the reader probes 512, 1024, ...
            return new Hdf5WeightStore(path);
        }
        throw new WeightsException($"{path}: not a weights file (neither HDF5 nor safetensors)");
    }
}
