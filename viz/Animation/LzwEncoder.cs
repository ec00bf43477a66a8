namespace CnnEngine.Viz.Animation;

/// <summary>
/// GIF's variable-code-size LZW (GIF89a spec, appendix F), written the way the reference encoders
/// (compress, GIFENCOD) do it: a clear code first; codes start at minCodeSize+1 bits and grow by one bit once the
/// next code to assign no longer fits; the dictionary stops at 4096 entries, and then a clear code resets it.
/// Output is the raw code stream (not yet cut into 255-byte sub-blocks).
/// </summary>
public sealed class LzwEncoder
{
    private const int MaxBits = 12;
    private const int MaxCode = 1 << MaxBits; // 4096: codes 0..4095
    private const int HashSize = 8192;        // open addressing, load ≤ 1/2

    private readonly int[] _keys = new int[HashSize];     // (prefix << 8 | symbol) + 1, 0 = empty
    private readonly short[] _values = new short[HashSize];

    /// <summary>How many clear codes the last <see cref="Encode"/> emitted (including the leading one).</summary>
    public int ClearCodesEmitted { get; private set; }

    /// <summary>Compresses indices (each below 2^minCodeSize) into an LZW code stream, LSB-first.</summary>
    public byte[] Encode(ReadOnlySpan<byte> indices, int minCodeSize)
    {
        if (minCodeSize < 2 || minCodeSize > 8) throw new ArgumentOutOfRangeException(nameof(minCodeSize), "GIF LZW minimum code size is 2..8");
        int clear = 1 << minCodeSize, endOfInformation = clear + 1;
        var bits = new BitPacker(indices.Length / 2 + 16);
        ClearCodesEmitted = 0;

        int codeSize = minCodeSize + 1;
        int nextCode = endOfInformation + 1;
        ResetTable();
        bits.Write(clear, codeSize);
        ClearCodesEmitted++;
        if (indices.IsEmpty)
        {
            bits.Write(endOfInformation, codeSize);
            return bits.ToArray();
        }

        int symbolLimit = 1 << minCodeSize;
        int prefix = Check(indices[0], symbolLimit);
        for (int i = 1; i < indices.Length; i++)
        {
            int symbol = Check(indices[i], symbolLimit);
            int key = (prefix << 8 | symbol) + 1;
            int slot = Find(key);
            if (_keys[slot] == key)
            {
                prefix = _values[slot];
                continue;
            }
            bits.Write(prefix, codeSize);
            // Grow after writing, when the code about to be assigned needs one more bit (as compress/GIFENCOD do).
            if (nextCode >= 1 << codeSize && codeSize < MaxBits) codeSize++;
            if (nextCode < MaxCode)
            {
                _keys[slot] = key;
                _values[slot] = (short)nextCode++;
            }
            else
            {
                // Dictionary full: tell the decoder to start over.
                bits.Write(clear, codeSize);
                ClearCodesEmitted++;
                ResetTable();
                codeSize = minCodeSize + 1;
                nextCode = endOfInformation + 1;
            }
            prefix = symbol;
        }
        bits.Write(prefix, codeSize);
        if (nextCode >= 1 << codeSize && codeSize < MaxBits) codeSize++;
        bits.Write(endOfInformation, codeSize);
        return bits.ToArray();
    }

    private static int Check(byte symbol, int limit) =>
        symbol < limit ? symbol : throw new ArgumentException($"index {symbol} does not fit the {limit}-color palette");

    private void ResetTable() => Array.Clear(_keys);

    private int Find(int key)
    {
        int slot = (int)((uint)(key * -1640531535) >> 19); // Fibonacci hash into 13 bits
        while (_keys[slot] != 0 && _keys[slot] != key) slot = (slot + 1) & (HashSize - 1);
        return slot;
    }

    /// <summary>Packs variable-width codes least-significant-bit first, as GIF requires.</summary>
    private sealed class BitPacker
    {
        private byte[] _buffer;
        private int _length;
        private ulong _accumulator;
        private int _bitCount;

        public BitPacker(int capacity) => _buffer = new byte[Math.Max(capacity, 64)];

        public void Write(int code, int width)
        {
            _accumulator |= (ulong)(uint)code << _bitCount;
            _bitCount += width;
            while (_bitCount >= 8)
            {
                if (_length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
                _buffer[_length++] = (byte)_accumulator;
                _accumulator >>= 8;
                _bitCount -= 8;
            }
        }

        public byte[] ToArray()
        {
            if (_bitCount > 0)
            {
                if (_length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length + 1);
                _buffer[_length++] = (byte)_accumulator;
                _accumulator = 0;
                _bitCount = 0;
            }
            return _buffer.AsSpan(0, _length).ToArray();
        }
    }
}
