using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Vectorized transposed 3×3 convolution (the deconvnet's filtering step); same result as
/// <see cref="ConvTranspose3x3Scalar"/> up to float summation order. It runs the forward 'same' convolution with the
/// flipped, channel-swapped kernel that <see cref="PackedConvTranspose3x3"/> holds (see there for why that is the
/// same op), zero bias, no ReLU.
///
/// Two things a deconvnet signal allows that a forward pass does not, both optional:
///  - <paramref name="region"/>: the signal is zero outside a rectangle (a single-position projection stays inside
///    its receptive field), so only output rows/columns within one pixel of it can be non-zero; the rest is zeroed.
///  - <paramref name="inChannelStart"/>/<paramref name="inChannelCount"/>: only those input channels are non-zero
///    (the first step of a projection has a single channel), so the sum skips the others.
///
/// Kernel: per output row, per block of V output channels, 8 pixels at a time: each weight vector is loaded once and
/// multiplied into 8 accumulators (one per pixel) by broadcasting that pixel's input value. Pixels at the left/right
/// border, and a last group of fewer than 8, go one at a time with bounds checks. A block with fewer than V real
/// channels (the padded last block) is stored through a small buffer so nothing past the row is written.
/// </summary>
public static class ConvTranspose3x3
{
    private const int Tile = 8;

    /// <summary>A rectangle [Y0, Y1) × [X0, X1) of a plane.</summary>
    public readonly record struct Region(int Y0, int Y1, int X0, int X1)
    {
        public static Region Full(int height, int width) => new(0, height, 0, width);
        public bool IsEmpty => Y1 <= Y0 || X1 <= X0;
        /// <summary>Grown by <paramref name="by"/> on every side, clipped to the plane.</summary>
        public Region Grow(int by, int height, int width) =>
            new(Math.Max(0, Y0 - by), Math.Min(height, Y1 + by), Math.Max(0, X0 - by), Math.Min(width, X1 + by));
    }

    /// <param name="input">(H, W, InChannels): the signal at the forward layer's output.</param>
    /// <param name="output">(H, W, OutChannels): the signal at the forward layer's input, fully overwritten.</param>
    /// <param name="region">Where the input may be non-zero; null = everywhere.</param>
    /// <param name="threads">Degree of parallelism; 0 = all cores.</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, PackedConvTranspose3x3 packed, Span<float> output,
        Region? region = null, int inChannelStart = 0, int inChannelCount = -1, int threads = 0)
    {
        int cin = packed.InChannels, cout = packed.OutChannels;
        if (height <= 0 || width <= 0) throw new ArgumentException($"conv-transpose3x3: sizes must be positive (H={height}, W={width})");
        if (input.Length < (long)height * width * cin) throw new ArgumentException("conv-transpose3x3: input shorter than (H, W, Cin)");
        if (output.Length < (long)height * width * cout) throw new ArgumentException("conv-transpose3x3: output shorter than (H, W, Cout)");
        if (inChannelCount < 0) inChannelCount = cin - inChannelStart;
        if (inChannelStart < 0 || inChannelStart + inChannelCount > cin) throw new ArgumentException("conv-transpose3x3: channel range outside the input");

        var inputRegion = region ?? Region.Full(height, width);
        // With every channel live, the CPU engine's register-blocked forward conv with the flipped kernel is several
        // times faster than the kernel below (see bench/deconv/RESULTS.md). A region goes through it as a crop: the
        // output can be non-zero only within one pixel of the input's region, and every input pixel outside that grown
        // rectangle is zero, so a 'same' conv of the crop (zero padding) is exact.
        if (packed.Forward is not null && inChannelStart == 0 && (inChannelCount < 0 || inChannelCount == cin) && !inputRegion.IsEmpty)
        {
            RunViaForwardConv(input, height, width, packed, output, inputRegion.Grow(1, height, width), threads);
            return;
        }
        var outRegion = inputRegion.IsEmpty ? inputRegion : inputRegion.Grow(1, height, width);
        ClearOutside(output, height, width, cout, outRegion);
        if (outRegion.IsEmpty || inChannelCount == 0)
        {
            if (!outRegion.IsEmpty) ClearInside(output, width, cout, outRegion);
            return;
        }

        int rows = outRegion.Y1 - outRegion.Y0, blocks = packed.Blocks;
        int c0 = inChannelStart, c1 = inChannelStart + inChannelCount;
        unsafe
        {
            fixed (float* inP = input)
            fixed (float* outP = output)
            {
                float* inPtr = inP, outPtr = outP;
                var job = new Job(inPtr, outPtr, height, width, packed, c0, c1, outRegion);
                long work = (long)rows * (outRegion.X1 - outRegion.X0) * 9 * (c1 - c0) * cout;
                int items = rows * blocks;
                if (work < 2_000_000 || items == 1 || threads == 1)
                {
                    for (int i = 0; i < items; i++) job.Do(i);
                }
                else
                {
                    var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 };
                    Parallel.For(0, items, options, job.Do);
                }
            }
        }
    }

    private static void RunViaForwardConv(ReadOnlySpan<float> input, int height, int width, PackedConvTranspose3x3 packed,
        Span<float> output, Region r, int threads)
    {
        int cin = packed.InChannels, cout = packed.OutChannels;
        if (r.Y0 == 0 && r.X0 == 0 && r.Y1 == height && r.X1 == width)
        {
            Conv3x3.Run(input, height, width, packed.Forward!, output, relu: false, threads);
            return;
        }
        int h = r.Y1 - r.Y0, w = r.X1 - r.X0;
        var crop = new float[h * w * cin];    // (h, w, Cin): the input inside the grown region
        var result = new float[h * w * cout]; // (h, w, Cout)
        for (int y = 0; y < h; y++) input.Slice(((r.Y0 + y) * width + r.X0) * cin, w * cin).CopyTo(crop.AsSpan(y * w * cin));
        Conv3x3.Run(crop, h, w, packed.Forward!, result, relu: false, threads);
        ClearOutside(output, height, width, cout, r);
        for (int y = 0; y < h; y++) result.AsSpan(y * w * cout, w * cout).CopyTo(output.Slice(((r.Y0 + y) * width + r.X0) * cout));
    }

    private static void ClearOutside(Span<float> output, int height, int width, int cout, Region r)
    {
        if (r.IsEmpty) { output.Slice(0, height * width * cout).Clear(); return; }
        output.Slice(0, r.Y0 * width * cout).Clear();
        output.Slice(r.Y1 * width * cout, (height - r.Y1) * width * cout).Clear();
        for (int y = r.Y0; y < r.Y1; y++)
        {
            output.Slice(y * width * cout, r.X0 * cout).Clear();
            output.Slice((y * width + r.X1) * cout, (width - r.X1) * cout).Clear();
        }
    }

    private static void ClearInside(Span<float> output, int width, int cout, Region r)
    {
        for (int y = r.Y0; y < r.Y1; y++) output.Slice((y * width + r.X0) * cout, (r.X1 - r.X0) * cout).Clear();
    }

    /// <summary>One (output row, channel block) item; a class so Parallel.For can call it.</summary>
    private sealed unsafe class Job
    {
        private readonly float* _in, _out;
        private readonly int _h, _w, _cin, _cout, _lanes, _blocks, _c0, _c1;
        private readonly float[] _weights;
        private readonly Region _r;

        public Job(float* input, float* output, int h, int w, PackedConvTranspose3x3 p, int c0, int c1, Region r)
        {
            _in = input; _out = output; _h = h; _w = w; _cin = p.InChannels; _cout = p.OutChannels;
            _lanes = p.Lanes; _blocks = p.Blocks; _weights = p.Weights; _c0 = c0; _c1 = c1; _r = r;
        }

        public void Do(int item)
        {
            int y = _r.Y0 + item / _blocks, b = item % _blocks;
            fixed (float* wP = _weights)
            {
                float* wBlock = wP + (long)b * 9 * _cin * _lanes;
                if (_lanes == 16) Row512(y, b, wBlock);
                else if (_lanes == 8) Row256(y, b, wBlock);
                else RowScalar(y, b, wBlock);
            }
        }

        private void Row512(int y, int b, float* wBlock)
        {
            int x = _r.X0;
            int valid = Math.Min(16, _cout - b * 16);
            while (x < _r.X1)
            {
                if (x >= 1 && x + Tile + 1 <= _w && x + Tile <= _r.X1) { Tile512(y, x, b, valid, wBlock); x += Tile; }
                else { One512(y, x, b, valid, wBlock); x++; }
            }
        }

        private void Tile512(int y, int x, int b, int valid, float* wBlock)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            int cin = _cin;
            for (int ky = 0; ky < 3; ky++)
            {
                int sy = y + ky - 1;
                if ((uint)sy >= (uint)_h) continue;
                for (int kx = 0; kx < 3; kx++)
                {
                    float* src = _in + ((long)sy * _w + x + kx - 1) * cin;   // 8 pixels, (8, Cin)
                    float* wt = wBlock + (ky * 3 + kx) * cin * 16;           // (Cin, 16)
                    for (int co = _c0; co < _c1; co++)
                    {
                        var wv = Vector512.Load(wt + co * 16);
                        float* s = src + co;
                        a0 = Vector512.FusedMultiplyAdd(Vector512.Create(s[0]), wv, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.Create(s[cin]), wv, a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.Create(s[2 * cin]), wv, a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.Create(s[3 * cin]), wv, a3);
                        a4 = Vector512.FusedMultiplyAdd(Vector512.Create(s[4 * cin]), wv, a4);
                        a5 = Vector512.FusedMultiplyAdd(Vector512.Create(s[5 * cin]), wv, a5);
                        a6 = Vector512.FusedMultiplyAdd(Vector512.Create(s[6 * cin]), wv, a6);
                        a7 = Vector512.FusedMultiplyAdd(Vector512.Create(s[7 * cin]), wv, a7);
                    }
                }
            }
            float* dst = _out + ((long)y * _w + x) * _cout + b * 16;
            Store512(a0, dst, valid); Store512(a1, dst + _cout, valid); Store512(a2, dst + 2 * _cout, valid); Store512(a3, dst + 3 * _cout, valid);
            Store512(a4, dst + 4 * _cout, valid); Store512(a5, dst + 5 * _cout, valid); Store512(a6, dst + 6 * _cout, valid); Store512(a7, dst + 7 * _cout, valid);
        }

        private void One512(int y, int x, int b, int valid, float* wBlock)
        {
            Vector512<float> acc = default;
            for (int ky = 0; ky < 3; ky++)
            {
                int sy = y + ky - 1;
                if ((uint)sy >= (uint)_h) continue;
                for (int kx = 0; kx < 3; kx++)
                {
                    int sx = x + kx - 1;
                    if ((uint)sx >= (uint)_w) continue;
                    float* src = _in + ((long)sy * _w + sx) * _cin;
                    float* wt = wBlock + (ky * 3 + kx) * _cin * 16;
                    for (int co = _c0; co < _c1; co++)
                        acc = Vector512.FusedMultiplyAdd(Vector512.Create(src[co]), Vector512.Load(wt + co * 16), acc);
                }
            }
            Store512(acc, _out + ((long)y * _w + x) * _cout + b * 16, valid);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store512(Vector512<float> v, float* dst, int valid)
        {
            if (valid == 16) { v.Store(dst); return; }
            float* tmp = stackalloc float[16];
            v.Store(tmp);
            for (int j = 0; j < valid; j++) dst[j] = tmp[j];
        }

        private void Row256(int y, int b, float* wBlock)
        {
            int x = _r.X0;
            int valid = Math.Min(8, _cout - b * 8);
            while (x < _r.X1)
            {
                if (x >= 1 && x + Tile + 1 <= _w && x + Tile <= _r.X1) { Tile256(y, x, b, valid, wBlock); x += Tile; }
                else { One256(y, x, b, valid, wBlock); x++; }
            }
        }

        private void Tile256(int y, int x, int b, int valid, float* wBlock)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            int cin = _cin;
            for (int ky = 0; ky < 3; ky++)
            {
                int sy = y + ky - 1;
                if ((uint)sy >= (uint)_h) continue;
                for (int kx = 0; kx < 3; kx++)
                {
                    float* src = _in + ((long)sy * _w + x + kx - 1) * cin;   // 8 pixels, (8, Cin)
                    float* wt = wBlock + (ky * 3 + kx) * cin * 8;            // (Cin, 8)
                    for (int co = _c0; co < _c1; co++)
                    {
                        var wv = Vector256.Load(wt + co * 8);
                        float* s = src + co;
                        a0 = Vector256.FusedMultiplyAdd(Vector256.Create(s[0]), wv, a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.Create(s[cin]), wv, a1);
                        a2 = Vector256.FusedMultiplyAdd(Vector256.Create(s[2 * cin]), wv, a2);
                        a3 = Vector256.FusedMultiplyAdd(Vector256.Create(s[3 * cin]), wv, a3);
                        a4 = Vector256.FusedMultiplyAdd(Vector256.Create(s[4 * cin]), wv, a4);
                        a5 = Vector256.FusedMultiplyAdd(Vector256.Create(s[5 * cin]), wv, a5);
                        a6 = Vector256.FusedMultiplyAdd(Vector256.Create(s[6 * cin]), wv, a6);
                        a7 = Vector256.FusedMultiplyAdd(Vector256.Create(s[7 * cin]), wv, a7);
                    }
                }
            }
            float* dst = _out + ((long)y * _w + x) * _cout + b * 8;
            Store256(a0, dst, valid); Store256(a1, dst + _cout, valid); Store256(a2, dst + 2 * _cout, valid); Store256(a3, dst + 3 * _cout, valid);
            Store256(a4, dst + 4 * _cout, valid); Store256(a5, dst + 5 * _cout, valid); Store256(a6, dst + 6 * _cout, valid); Store256(a7, dst + 7 * _cout, valid);
        }

        private void One256(int y, int x, int b, int valid, float* wBlock)
        {
            Vector256<float> acc = default;
            for (int ky = 0; ky < 3; ky++)
            {
                int sy = y + ky - 1;
                if ((uint)sy >= (uint)_h) continue;
                for (int kx = 0; kx < 3; kx++)
                {
                    int sx = x + kx - 1;
                    if ((uint)sx >= (uint)_w) continue;
                    float* src = _in + ((long)sy * _w + sx) * _cin;
                    float* wt = wBlock + (ky * 3 + kx) * _cin * 8;
                    for (int co = _c0; co < _c1; co++)
                        acc = Vector256.FusedMultiplyAdd(Vector256.Create(src[co]), Vector256.Load(wt + co * 8), acc);
                }
            }
            Store256(acc, _out + ((long)y * _w + x) * _cout + b * 8, valid);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store256(Vector256<float> v, float* dst, int valid)
        {
            if (valid == 8) { v.Store(dst); return; }
            float* tmp = stackalloc float[8];
            v.Store(tmp);
            for (int j = 0; j < valid; j++) dst[j] = tmp[j];
        }

        /// <summary>Lanes = 1: one output channel per block, plain loops (no vector hardware).</summary>
        private void RowScalar(int y, int ci, float* wBlock)
        {
            for (int x = _r.X0; x < _r.X1; x++)
            {
                float sum = 0;
                for (int ky = 0; ky < 3; ky++)
                {
                    int sy = y + ky - 1;
                    if ((uint)sy >= (uint)_h) continue;
                    for (int kx = 0; kx < 3; kx++)
                    {
                        int sx = x + kx - 1;
                        if ((uint)sx >= (uint)_w) continue;
                        float* src = _in + ((long)sy * _w + sx) * _cin;
                        float* wt = wBlock + (ky * 3 + kx) * _cin;
                        for (int co = _c0; co < _c1; co++) sum += src[co] * wt[co];
                    }
                }
                _out[((long)y * _w + x) * _cout + ci] = sum;
            }
        }
    }
}
