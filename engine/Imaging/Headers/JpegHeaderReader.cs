using System.Buffers.Binary;

namespace CnnEngine.Imaging.Headers;

/// <summary>
/// Walks a JPEG's markers without decoding: the frame header (size, components, sampling, coding) and the number of
/// scans. Entropy-coded data is skipped with a vectorised search for 0xFF, so the walk costs about a memory read of
/// the file. Lenient where libjpeg is (stray bytes between segments are skipped); a scan count over the limit is
/// refused as soon as it is seen.
/// </summary>
internal static class JpegHeaderReader
{
    public static HeaderFacts Read(ReadOnlySpan<byte> file, string name, int maxScans)
    {
        int pos = 2; // after SOI
        int scans = 0;
        Frame? frame = null;
        bool ended = false;
        while (true)
        {
            // libjpeg's next_marker: skip anything up to an 0xFF, then any fill 0xFFs.
            int ff = file[pos..].IndexOf((byte)0xFF);
            if (ff < 0) break;
            pos += ff;
            while (pos < file.Length && file[pos] == 0xFF) pos++;
            if (pos >= file.Length) break;
            byte marker = file[pos++];
            if (marker == 0xD9) { ended = true; break; }                     // EOI
            if (marker is 0x00 or 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7)) continue; // no length: stuffed byte, TEM, SOI, RSTn
            if (pos + 2 > file.Length) break;
            int length = BinaryPrimitives.ReadUInt16BigEndian(file[pos..]);
            if (length < 2) throw new CorruptImageException(name, $"JPEG is corrupt: marker 0xFF{marker:X2} at byte {pos - 2} has length {length}");
            int segmentEnd = pos + length;
            if (segmentEnd > file.Length) break;
            ReadOnlySpan<byte> segment = file[(pos + 2)..segmentEnd];
            if (IsStartOfFrame(marker))
            {
                frame ??= ParseFrame(marker, segment, name);
            }
            else if (marker == 0xDA)
            {
                scans++;
                if (scans > maxScans)
                    throw new ImageTooLargeException(name,
                        $"JPEG has more than {maxScans} scans; no real encoder writes that many (libjpeg's progressive script has 10), " +
                        "a file like this makes the decoder redo the whole picture for every scan (ImageDecodeOptions.MaxJpegScans raises the limit)");
                pos = SkipEntropyCodedData(file, segmentEnd);
                continue;
            }
            pos = segmentEnd;
        }
        if (frame is null) throw new CorruptImageException(name, "JPEG is truncated or corrupt: no frame header (SOF) before the end of the file");
        if (scans == 0) throw new CorruptImageException(name, "JPEG is truncated: it has no image data (no SOS marker)");
        // libjpeg would fill a cut-off picture with gray and only warn; PIL refuses it ("image file is truncated").
        if (!ended) throw new CorruptImageException(name, "JPEG is truncated: the file ends before its end marker (EOI)");
        return frame.ToFacts(scans);
    }

    private static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    /// <summary>Returns the position of the marker that ends the scan: an 0xFF followed by neither a stuffed 0x00 nor RSTn.</summary>
    private static int SkipEntropyCodedData(ReadOnlySpan<byte> file, int pos)
    {
        while (true)
        {
            int ff = file[pos..].IndexOf((byte)0xFF);
            if (ff < 0) return file.Length;
            pos += ff;
            if (pos + 1 >= file.Length) return file.Length;
            byte next = file[pos + 1];
            if (next is 0x00 or 0xFF or (>= 0xD0 and <= 0xD7)) { pos += next == 0xFF ? 1 : 2; continue; }
            return pos;
        }
    }

    private sealed record Frame(byte Marker, int Width, int Height, (int H, int V)[] Sampling)
    {
        public bool Arithmetic => Marker >= 0xC9;
        public bool Progressive => Marker is 0xC2 or 0xCA;

        public HeaderFacts ToFacts(int scans)
        {
            int hMax = Sampling.Max(s => s.H), vMax = Sampling.Max(s => s.V);
            // 8x8 blocks per component, each 64 coefficients of 2 bytes: libjpeg keeps them all for a progressive image.
            long Blocks((int H, int V) s) => (((long)Width * s.H + 8 * hMax - 1) / (8 * hMax)) * (((long)Height * s.V + 8 * vMax - 1) / (8 * vMax));
            long coefficientBytes = Sampling.Sum(s => Blocks(s) * 128);
            // Huffman coding spends at least one bit on every block of the first component (its DC difference),
            // so a complete file has at least blocks/8 bytes; arithmetic coding has no such floor.
            long firstBlocks = Blocks(Sampling[0]);
            return new HeaderFacts(new ImageHeader(ImageFormat.Jpeg, Width, Height))
            {
                CodecWorkingBytes = Progressive ? coefficientBytes : 0,
                MinimumCompleteFileBytes = Arithmetic ? 0 : firstBlocks / 8,
                MinimumReason = $"{firstBlocks} blocks of 8x8 pixels, and Huffman coding spends at least one bit on each",
                JpegScans = scans,
            };
        }
    }

    private static Frame ParseFrame(byte marker, ReadOnlySpan<byte> segment, string name)
    {
        // precision (1), height (2), width (2), components (1), then per component: id (1), H<<4|V (1), table (1)
        if (segment.Length < 6) throw new CorruptImageException(name, $"JPEG frame header is {segment.Length} bytes, too short");
        int height = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]), width = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
        int components = segment[5];
        if (height == 0)
            throw new UnsupportedImageFormatException(name, "JPEG declares its height later in a DNL marker, which libjpeg does not support");
        if (width == 0) throw new CorruptImageException(name, "JPEG frame header has width 0");
        if (components is 0 or > 4 || segment.Length < 6 + 3 * components)
            throw new CorruptImageException(name, $"JPEG frame header declares {components} components in {segment.Length} bytes");
        var sampling = new (int H, int V)[components];
        for (int c = 0; c < components; c++)
        {
            byte hv = segment[6 + 3 * c + 1];
            sampling[c] = (hv >> 4, hv & 15);
            if (sampling[c].H is 0 or > 4 || sampling[c].V is 0 or > 4)
                throw new CorruptImageException(name, $"JPEG component {c} has invalid sampling factors {sampling[c].H}x{sampling[c].V}");
        }
        return new Frame(marker, width, height, sampling);
    }
}
