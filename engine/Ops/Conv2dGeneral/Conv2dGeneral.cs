using System.Buffers;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Convolution of any kernel size, stride and zero padding (no activation), as packed im2col + a register-blocked
/// SIMD GEMM: for one output row, the receptive fields of its OW pixels are gathered into A (OW, K) — K = KH·KW·Cin,
/// zeros where the window hangs over the border — and A · B + bias is computed panel by panel by the microkernel
/// (<see cref="GemmVector512"/>: 6 pixels × 32 channels; <see cref="GemmVector256"/>: 4 × 32). Tiles that would run past
/// the last pixel or the last channel are computed into a small scratch tile and copied. One task per output row,
/// all cores. The oracle is <see cref="Conv2dGeneralScalar"/>.
/// </summary>
public static class Conv2dGeneral
{
    public static string KernelName => Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256";

    /// <param name="input">(N, H, W, Cin).</param>
    /// <param name="output">(N, OH, OW, Cout).</param>
    /// <param name="threads">Worker threads; ≤ 0 means all cores.</param>
    public static void Run(ReadOnlySpan<float> input, int images, int height, int width, int inChannels, Window2D window,
        PackedGemmWeights weights, Span<float> output, int threads = 0)
    {
        if (Vector512.IsHardwareAccelerated) Run<GemmVector512>(input, images, height, width, inChannels, window, weights, output, threads);
        else Run<GemmVector256>(input, images, height, width, inChannels, window, weights, output, threads);
    }

    public static unsafe void Run<TKernel>(ReadOnlySpan<float> input, int images, int height, int width, int inChannels, Window2D window,
        PackedGemmWeights weights, Span<float> output, int threads) where TKernel : IGemmMicrokernel
    {
        ArgumentNullException.ThrowIfNull(weights);
        int depth = window.KernelH * window.KernelW * inChannels, cout = weights.OutChannels;
        if (weights.Depth != depth) throw new ArgumentException($"conv: weights have depth {weights.Depth}, the window over {inChannels} channels needs {depth}");
        if (!window.Fits(height, width)) throw new ArgumentException($"conv: window {window} does not fit a {height}×{width} input");
        int oh = window.OutHeight(height), ow = window.OutWidth(width);
        if (images < 1 || input.Length < (long)images * height * width * inChannels) throw new ArgumentException("conv: input shorter than (N, H, W, Cin)");
        if (output.Length < (long)images * oh * ow * cout) throw new ArgumentException("conv: output shorter than (N, OH, OW, Cout)");

        int rows = TKernel.TileRows;
        int tiles = (ow + rows - 1) / rows;
        int aLength = checked(tiles * rows * depth); // (tiles · TileRows, K): zero rows past OW
        int workers = threads > 0 ? threads : Environment.ProcessorCount;
        fixed (float* inp = input) fixed (float* outp = output)
        {
            nint ip = (nint)inp, op = (nint)outp;
            void Row(int job)
            {
                int n = job / oh, oy = job % oh;
                float[] a = ArrayPool<float>.Shared.Rent(aLength);
                float* scratch = stackalloc float[8 * PackedGemmWeights.PanelWidth];
                try
                {
                    fixed (float* ap = a)
                    {
                        Gather((float*)ip + (nint)n * height * width * inChannels, height, width, inChannels, window, oy, ow, ap, tiles * rows);
                        float* outRow = (float*)op + ((nint)n * oh + oy) * ow * cout;
                        for (int p = 0; p < weights.Panels; p++)
                        {
                            float* panel = weights.Panel(p), bias = weights.PanelBias(p);
                            int c0 = p * PackedGemmWeights.PanelWidth, cols = Math.Min(PackedGemmWeights.PanelWidth, cout - c0);
                            for (int t = 0; t < tiles; t++)
                            {
                                int x0 = t * rows, valid = Math.Min(rows, ow - x0);
                                float* aTile = ap + (nint)x0 * depth;
                                if (valid == rows && cols == PackedGemmWeights.PanelWidth)
                                {
                                    TKernel.Tile(aTile, depth, panel, bias, outRow + (nint)x0 * cout + c0, cout);
                                    continue;
                                }
                                TKernel.Tile(aTile, depth, panel, bias, scratch, PackedGemmWeights.PanelWidth);
                                for (int r = 0; r < valid; r++)
                                    new ReadOnlySpan<float>(scratch + r * PackedGemmWeights.PanelWidth, cols)
                                        .CopyTo(new Span<float>(outRow + (nint)(x0 + r) * cout + c0, cols));
                            }
                        }
                    }
                }
                finally { ArrayPool<float>.Shared.Return(a); }
            }
            int jobs = images * oh;
            if (workers == 1 || jobs == 1) for (int j = 0; j < jobs; j++) Row(j);
            else Parallel.For(0, jobs, new ParallelOptions { MaxDegreeOfParallelism = workers }, Row);
        }
    }

    /// <summary>im2col for one output row: A[ox] = the window's (KH, KW, Cin) values at output (oy, ox), zeros outside the image and past OW.</summary>
    private static unsafe void Gather(float* image, int height, int width, int cin, Window2D window, int oy, int ow, float* a, int aRows)
    {
        int depth = window.KernelH * window.KernelW * cin;
        int rowCopy = window.KernelW * cin;
        for (int ox = 0; ox < aRows; ox++)
        {
            float* dst = a + (nint)ox * depth;
            if (ox >= ow) { new Span<float>(dst, depth).Clear(); continue; }
            int x0 = ox * window.StrideW - window.PadLeft;
            bool inside = x0 >= 0 && x0 + window.KernelW <= width;
            for (int ky = 0; ky < window.KernelH; ky++)
            {
                int y = oy * window.StrideH - window.PadTop + ky;
                float* d = dst + (nint)ky * rowCopy;
                if (y < 0 || y >= height) { new Span<float>(d, rowCopy).Clear(); continue; }
                float* src = image + ((nint)y * width + x0) * cin;
                if (inside) { new ReadOnlySpan<float>(src, rowCopy).CopyTo(new Span<float>(d, rowCopy)); continue; }
                for (int kx = 0; kx < window.KernelW; kx++)
                {
                    int x = x0 + kx;
                    var to = new Span<float>(d + (nint)kx * cin, cin);
                    if (x < 0 || x >= width) to.Clear();
                    else new ReadOnlySpan<float>(src + (nint)kx * cin, cin).CopyTo(to);
                }
            }
        }
    }

    internal static void CheckLengths(int inputLength, int height, int width, int inChannels, Window2D window, int kernelLength, int biasLength, int outChannels, int outputLength)
    {
        if (height < 1 || width < 1 || inChannels < 1 || outChannels < 1) throw new ArgumentException($"conv: sizes must be positive ({height}×{width}×{inChannels} → {outChannels})");
        if (!window.Fits(height, width)) throw new ArgumentException($"conv: window {window} does not fit a {height}×{width} input");
        if (inputLength < (long)height * width * inChannels) throw new ArgumentException("conv: input shorter than (H, W, Cin)");
        if (kernelLength != window.KernelH * window.KernelW * inChannels * outChannels) throw new ArgumentException("conv: kernel is not (KH, KW, Cin, Cout)");
        if (biasLength != 0 && biasLength != outChannels) throw new ArgumentException("conv: bias is not (Cout)");
        if (outputLength < (long)window.OutHeight(height) * window.OutWidth(width) * outChannels) throw new ArgumentException("conv: output shorter than (OH, OW, Cout)");
    }
}
