using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace CnnEngine.Weights.SafeTensors;

/// <summary>
/// Writes every tensor of a store as F32 safetensors, in store order, Keras shapes and element order unchanged,
/// with a __metadata__ block. The header is space-padded so the data section starts at a multiple of 8. Written to a
/// temporary name beside the target and renamed only when complete.
/// </summary>
public static class SafeTensorsWriter
{
    public const string FormatVersion = "cnn-engine-weights/1";

    public static void Write(IWeightStore store, string outputPath, IReadOnlyDictionary<string, string> metadata)
    {
        string full = Path.GetFullPath(outputPath);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new WeightsException($"{outputPath}: folder {dir} does not exist");
        string temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        using var pending = PendingOutputs.Track(temp, isFolder: false);   // an interrupt removes it
        try
        {
            byte[] header = BuildHeader(store, metadata);
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                fs.Write(length);
                fs.Write(header);
                foreach (string name in store.TensorNames)
                {
                    fs.Write(MemoryMarshal.AsBytes(store.GetTensor(name).Span));
                    PendingOutputs.PausePoint("safetensors-tensor");
                }
                fs.Flush(flushToDisk: true);
            }
            PendingOutputs.Complete(pending, () => File.Move(temp, full, overwrite: true));
        }
        catch (Exception e)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            if (e is WeightsException) throw;
            if (e is IOException or UnauthorizedAccessException) throw new WeightsException($"{outputPath}: cannot write: {e.Message}", e);
            throw;
        }
    }

    private static byte[] BuildHeader(IWeightStore store, IReadOnlyDictionary<string, string> metadata)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            foreach (var (k, v) in metadata) w.WriteString(k, v);
            w.WriteEndObject();
            long offset = 0;
            foreach (string name in store.TensorNames)
            {
                int[] shape = store.GetShape(name);
                long bytes = 4;
                foreach (int d in shape) bytes *= d;
                w.WriteStartObject(name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (int d in shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        var json = ms.ToArray();
        int padded = (json.Length + 7) / 8 * 8; // 8-byte length + header: data starts 8-aligned
        var header = new byte[padded];
        json.CopyTo(header, 0);
        header.AsSpan(json.Length).Fill((byte)' ');
        return header;
    }
}
