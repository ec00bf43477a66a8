using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Animation;

/// <summary>One GIF frame: palette indices (H, W) and its own 256-entry palette (256, 3) RGB.</summary>
public sealed record GifFrame(byte[] Indices, int Width, int Height, byte[] Palette, int DelayMs)
{
    public const int PaletteEntries = 256;
}

/// <summary>
/// A GIF89a encoder: every frame full-size with a local 256-color palette, a graphic control extension with its
/// delay (centiseconds, so delays are rounded to 10 ms), and the NETSCAPE2.0 extension for looping.
/// Frames are LZW-compressed in parallel, then concatenated in order. The global color table is the first frame's.
/// </summary>
public static class GifWriter
{
    /// <param name="loopCount">0 = loop forever.</param>
    public static byte[] Encode(IReadOnlyList<GifFrame> frames, int loopCount = 0)
    {
        if (frames.Count == 0) throw new ArgumentException("a GIF needs at least one frame");
        int width = frames[0].Width, height = frames[0].Height;
        if (width <= 0 || height <= 0 || width > 65535 || height > 65535) throw new ArgumentException($"GIF size {width}x{height} out of range");
        foreach (var f in frames)
        {
            if (f.Width != width || f.Height != height) throw new ArgumentException($"frame {f.Width}x{f.Height} differs from {width}x{height}");
            if (f.Indices.Length != width * height) throw new ArgumentException($"frame has {f.Indices.Length} indices, needs {width * height}");
            if (f.Palette.Length != GifFrame.PaletteEntries * 3) throw new ArgumentException($"palette must have 256 RGB entries, has {f.Palette.Length / 3.0}");
        }

        var compressed = new byte[frames.Count][];
        Parallel.For(0, frames.Count,
            () => new LzwEncoder(),
            (i, _, encoder) => { compressed[i] = encoder.Encode(frames[i].Indices, 8); return encoder; },
            _ => { });

        using var output = new MemoryStream();
        WriteAscii(output, "GIF89a");
        WriteUInt16(output, width);
        WriteUInt16(output, height);
        output.WriteByte(0b1111_0111);  // global table present, 8-bit color resolution, unsorted, 2^(7+1) entries
        output.WriteByte(0);            // background color index
        output.WriteByte(0);            // pixel aspect ratio: unspecified
        output.Write(frames[0].Palette);

        // NETSCAPE2.0 application extension: loop count.
        output.Write(new byte[] { 0x21, 0xFF, 0x0B });
        WriteAscii(output, "NETSCAPE2.0");
        output.Write(new byte[] { 0x03, 0x01 });
        WriteUInt16(output, loopCount);
        output.WriteByte(0);

        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            // Graphic control extension: disposal 1 (leave in place), no transparency, delay in 1/100 s.
            output.Write(new byte[] { 0x21, 0xF9, 0x04, 0b0000_0100 });
            WriteUInt16(output, DelayCentiseconds(f.DelayMs));
            output.WriteByte(0);
            output.WriteByte(0);

            output.WriteByte(0x2C);     // image descriptor
            WriteUInt16(output, 0);
            WriteUInt16(output, 0);
            WriteUInt16(output, width);
            WriteUInt16(output, height);
            output.WriteByte(0b1000_0111); // local table present, not interlaced, 256 entries
            output.Write(f.Palette);

            output.WriteByte(8);        // LZW minimum code size
            WriteSubBlocks(output, compressed[i]);
        }
        output.WriteByte(0x3B);         // trailer
        return output.ToArray();
    }

    public static void Write(string path, IReadOnlyList<GifFrame> frames, int loopCount = 0) =>
        AtomicFile.WriteAllBytes(path, Encode(frames, loopCount));

    public static int DelayCentiseconds(int delayMs) => Math.Clamp((delayMs + 5) / 10, 0, 65535);

    private static void WriteSubBlocks(Stream output, byte[] data)
    {
        for (int offset = 0; offset < data.Length; offset += 255)
        {
            int n = Math.Min(255, data.Length - offset);
            output.WriteByte((byte)n);
            output.Write(data, offset, n);
        }
        output.WriteByte(0);            // block terminator
    }

    private static void WriteUInt16(Stream s, int v)
    {
        s.WriteByte((byte)v);
        s.WriteByte((byte)(v >> 8));
    }

    private static void WriteAscii(Stream s, string text)
    {
        foreach (char c in text) s.WriteByte((byte)c);
    }
}
