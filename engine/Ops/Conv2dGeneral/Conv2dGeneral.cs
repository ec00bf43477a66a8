using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Convolution of any kernel size, stride and zero padding (no activation), as packed im2col + a register-blocked
/// SIMD GEMM. The output (N, OH, OW, Cout) is seen as C (M, Cout) with M = N·OH·OW pixels — channels last makes
/// consecutive pixels consecutive rows of C, across output rows and images — and K = KH·KW·Cin.
/// Work is cut into jobs of a few tiles of TileRows pixels (sized so both cores get several jobs even at batch 1,
/// and a job's A block stays in L2). A job gathers its pixels' receptive fields into A (rows, K) — zeros where the
/// window hangs over the border; a 1×1 stride-1 unpadded conv skips the gather, its input already is A — then, tile by
/// tile (the tile's A rows stay in L1), runs the microkernel over every 32-channel weight panel
/// (<see cref="GemmVector512"/>: 6 pixels × 32 channels; <see cref="GemmVector256"/>: 4 × 32), writing C in place.
/// Only the very last tile and a last panel narrower than 32 go through a scratch tile. Tiny layers run on the
/// calling thread (waking the pool costs more than they do). The oracle is <see cref="Conv2dGeneralScalar"/>.
/// </summary>
public static class Conv2dGeneral
{
    public static string KernelName => Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256";

    /// <summary>Most floats of A one job gathers (128 KB: its block and the weight panels share L2).</summary>
    private const int MaxBlockFloats = 32 * 1024;
    /// <summary>Below this many multiply-adds a layer runs on one thread.</summary>
    private const long SingleThreadMacs = 200_000;

    [ThreadStatic] private static float[]? t_block;

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
        long pixels = (long)images * oh * ow;
        long tilesTotal = (pixels + rows - 1) / rows;
        int workers = threads > 0 ? threads : Environment.ProcessorCount;
        if (pixels * depth * cout < SingleThreadMacs) workers = 1;
        // Tiles per job: at most what fits the A block, and few enough that every worker gets about 8 jobs.
        long byCache = Math.Max(1, MaxBlockFloats / ((long)rows * depth));
        long bySpread = Math.Max(1, tilesTotal / (8L * workers));
        int tilesPerJob = (int)Math.Min(byCache, workers == 1 ? tilesTotal : bySpread);
        long jobs = (tilesTotal + tilesPerJob - 1) / tilesPerJob;
        // A whole number of jobs per worker, tiles shared out evenly (17 jobs on 2 cores leave one core idle for the last).
        if (workers > 1 && jobs > 1) jobs = Math.Min(tilesTotal, (jobs + workers - 1) / workers * workers);
        bool direct = window is { KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1, PadTop: 0, PadBottom: 0, PadLeft: 0, PadRight: 0 };

        fixed (float* inp = input) fixed (float* outp = output)
        {
            var job = new Job((nint)inp, (nint)outp, images, height, width, inChannels, window, oh, ow, depth, pixels, tilesTotal, jobs, direct, weights);
            if (workers == 1 || jobs == 1) for (long j = 0; j < jobs; j++) RunJob<TKernel>(job, j);
            else Parallel.For(0, jobs, new ParallelOptions { MaxDegreeOfParallelism = workers }, j => RunJob<TKernel>(job, j));
        }
        GC.KeepAlive(weights); // its native panels are read through raw pointers until here
    }

    /// <summary>What every job reads (pointers as nint so a lambda can carry them).</summary>
    private sealed record Job(nint Input, nint Output, int Images, int Height, int Width, int InChannels, Window2D Window,
        int OutHeight, int OutWidth, int Depth, long Pixels, long Tiles, long Jobs, bool Direct, PackedGemmWeights Weights);

    // Optimized at first call: a CLI run does one forward, too few for tiered compilation to leave its unoptimized first tier.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RunJob<TKernel>(Job job, long index) where TKernel : IGemmMicrokernel
    {
        int rows = TKernel.TileRows, depth = job.Depth, cout = job.Weights.OutChannels, panels = job.Weights.Panels;
        const int pw = PackedGemmWeights.PanelWidth;
        long t0 = index * job.Tiles / job.Jobs, t1 = (index + 1) * job.Tiles / job.Jobs; // this job's tiles
        long m0 = t0 * rows;
        int count = (int)Math.Min((t1 - t0) * rows, job.Pixels - m0); // pixels of this job
        int tiles = (count + rows - 1) / rows;
        float* output = (float*)job.Output;
        float* scratch = stackalloc float[8 * pw];
        float* a;
        float[]? block = null;
        if (job.Direct && count == tiles * rows)
            a = (float*)job.Input + m0 * depth; // 1×1 stride 1: the input pixels are A's rows already
        else
        {
            int need = tiles * rows * depth; // A (tiles · TileRows, K)
            block = t_block is { } b && b.Length >= need ? b : t_block = GC.AllocateUninitializedArray<float>(Math.Max(need, 1024), pinned: true);
            fixed (float* bp = block) a = bp; // pinned array: the pointer stays valid
            Gather(job, m0, count, tiles * rows, a);
        }
        for (int t = 0; t < tiles; t++)
        {
            float* aTile = a + (nint)t * rows * depth;
            long mt = m0 + (long)t * rows;
            int valid = Math.Min(rows, count - t * rows);
            float* cTile = output + mt * cout;
            for (int p = 0; p < panels; p++)
            {
                int c0 = p * pw, cols = Math.Min(pw, cout - c0);
                if (valid == rows && cols == pw)
                {
                    TKernel.Tile(aTile, depth, job.Weights.Panel(p), job.Weights.PanelBias(p), cTile + c0, cout);
                    continue;
                }
                TKernel.Tile(aTile, depth, job.Weights.Panel(p), job.Weights.PanelBias(p), scratch, pw);
                for (int r = 0; r < valid; r++)
                    new ReadOnlySpan<float>(scratch + r * pw, cols).CopyTo(new Span<float>(cTile + (nint)r * cout + c0, cols));
            }
        }
        GC.KeepAlive(block);
    }

    /// <summary>
    /// im2col for pixels m0 … m0 + count − 1 (flattened over N, OH, OW): A[i] = the window's (KH, KW, Cin) values, zeros
    /// outside the image and past the last pixel. Runs along output rows, one kernel row (ky) at a time: for the pixels
    /// whose window lies inside the image horizontally, a window row is KW·Cin consecutive input floats, copied by
    /// <see cref="CopyRun"/> with a move sized once per run (1- and 3-channel inputs copy only a few floats per pixel,
    /// where a per-pixel loop's bookkeeping cost more than the GEMM: measured 2×2 valid 60×60×1→32, batch 8, one thread:
    /// gather 0.17 ms of 0.28).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gather(Job job, long m0, int count, int aRows, float* a)
    {
        var w = job.Window;
        int cin = job.InChannels, height = job.Height, width = job.Width, depth = job.Depth, ow = job.OutWidth;
        int rowCopy = w.KernelW * cin;
        long perImage = (long)job.OutHeight * ow;
        int n = (int)(m0 / perImage), rest = (int)(m0 % perImage), oy = rest / ow, ox = rest % ow;
        // Output columns whose window row lies inside the image: ox·sw − padLeft ≥ 0 and ox·sw − padLeft + KW ≤ W.
        int insideLo = Math.Min(ow, (w.PadLeft + w.StrideW - 1) / w.StrideW);
        int insideHi = width + w.PadLeft - w.KernelW < 0 ? 0 : Math.Min(ow, (width + w.PadLeft - w.KernelW) / w.StrideW + 1);
        for (int i = 0; i < count;)
        {
            int run = Math.Min(count - i, ow - ox); // pixels i … i + run − 1 lie on output row oy of image n
            float* image = (float*)job.Input + (nint)n * height * width * cin;
            int lo = Math.Clamp(insideLo - ox, 0, run), hi = Math.Clamp(insideHi - ox, lo, run);
            for (int ky = 0; ky < w.KernelH; ky++)
            {
                int y = oy * w.StrideH - w.PadTop + ky;
                float* d = a + (nint)i * depth + (nint)ky * rowCopy; // A row i, window row ky
                if (y < 0 || y >= height)
                {
                    for (int j = 0; j < run; j++) Clear(d + (nint)j * depth, rowCopy);
                    continue;
                }
                float* srcRow = image + (nint)y * width * cin;
                for (int j = 0; j < run; j++)
                {
                    if (j == lo && hi > lo) { j = hi - 1; continue; } // the inside pixels go in one run below
                    int x0 = (ox + j) * w.StrideW - w.PadLeft;
                    float* dj = d + (nint)j * depth;
                    for (int kx = 0; kx < w.KernelW; kx++)
                    {
                        int x = x0 + kx;
                        if (x < 0 || x >= width) Clear(dj + (nint)kx * cin, cin);
                        else Copy(srcRow + (nint)x * cin, dj + (nint)kx * cin, cin);
                    }
                }
                if (hi > lo)
                    CopyRun(srcRow + ((nint)(ox + lo) * w.StrideW - w.PadLeft) * cin, (nint)w.StrideW * cin, d + (nint)lo * depth, depth, hi - lo, rowCopy);
            }
            i += run;
            ox += run;
            if (ox == ow) { ox = 0; if (++oy == job.OutHeight) { oy = 0; n++; } }
        }
        for (int i = count; i < aRows; i++) Clear(a + (nint)i * depth, depth);
    }

    /// <summary>
    /// <paramref name="pixels"/> copies of <paramref name="length"/> floats, sources <paramref name="srcStep"/> and
    /// destinations <paramref name="dstStep"/> floats apart: the move is chosen once for the run (one 8-byte move for a
    /// 2×2 window row on one channel, two overlapping vector moves up to 16 floats), not per pixel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRun(float* src, nint srcStep, float* dst, nint dstStep, int pixels, int length)
    {
        switch (length)
        {
            case 1:
                for (int j = 0; j < pixels; j++, src += srcStep, dst += dstStep) *dst = *src;
                break;
            case 2:
                for (int j = 0; j < pixels; j++, src += srcStep, dst += dstStep) *(ulong*)dst = *(ulong*)src;
                break;
            case 3:
                for (int j = 0; j < pixels; j++, src += srcStep, dst += dstStep) { *(ulong*)dst = *(ulong*)src; dst[2] = src[2]; }
                break;
            case < 8 and >= 4:
                for (int j = 0; j < pixels; j++, src += srcStep, dst += dstStep)
                {
                    Vector128<float> head = Vector128.Load(src), tail = Vector128.Load(src + length - 4);
                    head.Store(dst); tail.Store(dst + length - 4);
                }
                break;
            case <= 16 and >= 8:
                for (int j = 0; j < pixels; j++, src += srcStep, dst += dstStep)
                {
                    Vector256<float> head = Vector256.Load(src), tail = Vector256.Load(src + length - 8);
                    head.Store(dst); tail.Store(dst + length - 8);
                }
                break;
            default:
                for (int j = 0; j < pixels; j++, src += srcStep, dst += dstStep) Copy(src, dst, length);
                break;
        }
    }

    /// <summary>
    /// Copies one run of a window row (KW·Cin floats: a few for 1- and 3-channel inputs, hundreds for deep layers) with
    /// inline vector moves: a call into memmove per run costs more than the copy for the short ones.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* src, float* dst, int count)
    {
        if (count < 4)
        {
            for (int j = 0; j < count; j++) dst[j] = src[j];
            return;
        }
        int i = 0;
        for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        if (i + 4 <= count) { Vector128.Store(Vector128.Load(src + i), dst + i); i += 4; }
        if (i < count) Vector128.Store(Vector128.Load(src + count - 4), dst + count - 4); // overlaps what was copied
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Clear(float* dst, int count)
    {
        if (count < 4)
        {
            for (int j = 0; j < count; j++) dst[j] = 0;
            return;
        }
        int i = 0;
        for (; i + 8 <= count; i += 8) Vector256.Store(Vector256<float>.Zero, dst + i);
        if (i + 4 <= count) { Vector128.Store(Vector128<float>.Zero, dst + i); i += 4; }
        if (i < count) Vector128.Store(Vector128<float>.Zero, dst + count - 4);
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
