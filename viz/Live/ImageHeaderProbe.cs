using System.Buffers.Binary;
using CnnEngine.Imaging;

namespace CnnEngine.Viz.Live;

/// <summary>
/// Reads a PNG's or JPEG's width and height from its header without decoding a pixel, so an upload can be refused
/// on its announced size before any decoder allocates for it.
/// </summary>
public static class ImageHeaderProbe
{
    /// <summary>The announced size, or null when the header cannot be found (the decoder then reports the problem).</summary>
    public static (long Width, long Height)? TryReadSize(ReadOnlySpan<byte> data)
    {
        return ImageFormatDetector.Detect(data) switch
        {
            ImageFormat.Png => Png(data),
            ImageFormat.Jpeg => Jpeg(data),
            _ => null,
        };
    }

    // The first chunk of a PNG is IHDR: length (4), "IHDR", width (4, big-endian), height (4).
    private static (long, long)? Png(ReadOnlySpan<byte> data)
    {
        if (data.Length < 24 || !data.Slice(12, 4).SequenceEqual("IHDR"u8)) return null;
        return (BinaryPrimitives.ReadUInt32BigEndian(data[16..]), BinaryPrimitives.ReadUInt32BigEndian(data[20..]));
    }

    // Walks the JPEG markers up to the first start-of-frame (SOF0..SOF15 except DHT C4, JPG C8, DAC CC).
    private static (long, long)? Jpeg(ReadOnlySpan<byte> data)
    {
        int p = 2;
        while (p + 4 <= data.Length)
        {
            if (data[p] != 0xFF) return null;
            byte marker = data[p + 1];
            if (marker == 0xFF) { p++; continue; }                                   // fill byte
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { p += 2; continue; }         // no length
            if (marker is 0xD9 or 0xDA) return null;                                  // end, or scan before any frame
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(p + 2)..]);
            if (length < 2) return null;
            bool frame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (frame)
            {
                if (p + 9 > data.Length) return null;
                int height = BinaryPrimitives.ReadUInt16BigEndian(data[(p + 5)..]);
                int width = BinaryPrimitives.ReadUInt16BigEndian(data[(p + 7)..]);
                return (width, height);
            }
            p += 2 + length;
        }
        return null;
    }
}
