using System.Text.Json;

namespace CnnEngine.Weights.SafeTensors;

/// <summary>One tensor entry of a safetensors header: dtype, shape and byte range relative to the data section.</summary>
public sealed record SafeTensorEntry(string Name, string Dtype, int[] Shape, long Begin, long End);

/// <summary>
/// Parses and validates a safetensors header: 8-byte little-endian header length, then JSON. Every tensor's byte
/// range must lie inside the file, match its shape and dtype, and not overlap another tensor's.
/// </summary>
public static class SafeTensorsHeader
{
    private const long MaxHeaderBytes = 100 << 20;

    public static (List<SafeTensorEntry> Tensors, Dictionary<string, string> Metadata, long DataStart) Read(string path, Stream stream)
    {
        long fileLength = stream.Length;
        if (fileLength < 8) throw new WeightsException($"{path}: not a safetensors file (only {fileLength} bytes)");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(lengthBytes);
        ulong headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw new WeightsException($"{path}: safetensors header length {headerLength} exceeds the file ({fileLength} bytes): truncated or corrupt");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;
        var tensors = new List<SafeTensorEntry>();
        var metadata = new Dictionary<string, string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new WeightsException($"{path}: safetensors header is not a JSON object");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (metadata.Count > 0) throw new WeightsException($"{path}: safetensors header has __metadata__ twice: corrupt");
                    foreach (var m in prop.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                if (!names.Add(prop.Name) || prop.Name.Length == 0)
                    throw new WeightsException($"{path}: safetensors header names tensor '{prop.Name}' twice (or an empty name): corrupt");
                var e = prop.Value;
                string dtype = e.GetProperty("dtype").GetString() ?? "";
                int[] shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
                var offsets = e.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                if (offsets.Length != 2) throw new WeightsException($"{path}: tensor {prop.Name} has {offsets.Length} data offsets");
                tensors.Add(new SafeTensorEntry(prop.Name, dtype, shape, offsets[0], offsets[1]));
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new WeightsException($"{path}: safetensors header is not valid: {ex.Message}", ex);
        }

        if (tensors.Count == 0) throw new WeightsException($"{path}: safetensors header lists no tensors: not a weights file");
        foreach (var t in tensors)
        {
            int elementSize = t.Dtype switch { "F32" => 4, "F16" => 2, "BF16" => 2, "F64" => 8, "I32" => 4, "I64" => 8, "U8" => 1, "I8" => 1, _ => 0 };
            if (elementSize == 0) throw new WeightsException($"{path}: tensor {t.Name} has unknown dtype {t.Dtype}");
            long count = 1;
            foreach (int d in t.Shape)
            {
                if (d < 0) throw new WeightsException($"{path}: tensor {t.Name} has negative dimension {d}");
                count = checked(count * d);
                if (count > dataLength) break;
            }
            if (t.Begin < 0 || t.End < t.Begin || t.End > dataLength)
                throw new WeightsException($"{path}: tensor {t.Name} data [{t.Begin}, {t.End}) exceeds the file's {dataLength}-byte data section: truncated or corrupt");
            if (t.End - t.Begin != count * elementSize)
                throw new WeightsException($"{path}: tensor {t.Name} has {t.End - t.Begin} bytes, its shape ({string.Join(", ", t.Shape)}) of {t.Dtype} needs {count * elementSize}");
        }
        var sorted = tensors.OrderBy(t => t.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new WeightsException($"{path}: tensors {sorted[i - 1].Name} and {sorted[i].Name} overlap in the data section: corrupt");
        return (tensors, metadata, dataStart);
    }
}
