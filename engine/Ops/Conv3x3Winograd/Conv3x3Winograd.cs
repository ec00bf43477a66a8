using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnEngine.Ops;

/// <summary>
/// 3×3 convolution, 'same' zero padding, stride 1, bias and ReLU fused, channels last — by <b>Winograd F(4×4, 3×3)</b>:
/// 36 multiplies per 4×4 output tile and channel pair instead of 144 (the scalar oracle,
/// <see cref="Conv3x3WinogradScalar"/>, says what is computed; this is the fast version of it). The same driver runs
/// <b>F(2×2, 3×3)</b> (16 multiplies per 2×2 tile instead of 36) when the weights say so (<see cref="PackedWinograd3x3.Tile"/>):
/// below, read 4×4 / 6×6 / 36 as m×m / (m+2)×(m+2) / (m+2)² (<see cref="IWinogradTile"/>).
///
/// Work is cut into tasks = (group of up to 64 tiles — 196 for F(2×2) —, group of 32-channel output blocks). A task:
///   1. input transform: its tiles' 6×6 patches → V (36, tiles, Cin) in a per-task scratch (vectorized over Cin);
///   2. per output block: for each of the 36 elements, M[ξ] (tiles × 32) = V[ξ] (tiles × Cin) · U[ξ] (Cin × 32) with
///      the register-blocked <see cref="WinogradGemm"/> (U[ξ]'s slice is reused by every row block of the group; two
///      blocks run together, so each V row block is read once for both);
///   3. output transform of M → 4×4 × 32 outputs, + bias, ReLU, stored (clipped at the image edge).
/// Small layers (batch 1, 14×14 → 16 tiles) get their tasks from splitting the output channels, so both cores work;
/// when all tiles make one group (block4/block5 at batch 1) step 1 would be the same for every task, so it runs
/// first, once, split over all workers by tiles, into one shared V (two Parallel.Fors: input transforms, then tasks).
/// Otherwise a (tile group, channel group) task is independent of every other: one Parallel.For per layer, no barriers.
///
/// Pooling fused: a 4×4 output tile holds whole 2×2 pooling windows (tiles start at multiples of 4), so when a max
/// pool follows, the output transform also writes the pooled maxima and their switches (flat y·W + x in the conv
/// output plane; strict &gt; in row-major window order keeps the top-left of a tie, as <see cref="MaxPool2x2Scalar"/>),
/// and the conv output itself is written only when someone wants it: one pass over the largest activation saved.
/// </summary>
public static class Conv3x3Winograd
{
    public static string KernelName => Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256";

    /// <summary>Runs with the widest accelerated width. <paramref name="threads"/> ≤ 0: all cores.</summary>
    /// <param name="input">(H, W, Cin).</param>
    /// <param name="output">(H, W, Cout).</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, PackedWinograd3x3 conv, Span<float> output, bool relu = true, int threads = 0)
    {
        if (Vector512.IsHardwareAccelerated) Run<SimdFloat512, Vector512<float>>(input, height, width, conv, output, relu, threads);
        else Run<SimdFloat256, Vector256<float>>(input, height, width, conv, output, relu, threads);
    }

    public static void RunVector512(ReadOnlySpan<float> input, int height, int width, PackedWinograd3x3 conv, Span<float> output, bool relu = true, int threads = 0)
        => Run<SimdFloat512, Vector512<float>>(input, height, width, conv, output, relu, threads);

    public static void RunVector256(ReadOnlySpan<float> input, int height, int width, PackedWinograd3x3 conv, Span<float> output, bool relu = true, int threads = 0)
        => Run<SimdFloat256, Vector256<float>>(input, height, width, conv, output, relu, threads);

    private static unsafe void Run<TS, TV>(ReadOnlySpan<float> input, int height, int width, PackedWinograd3x3 conv, Span<float> output, bool relu, int threads)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        ArgumentNullException.ThrowIfNull(conv);
        int cin = conv.InChannels, cout = conv.OutChannels;
        if (height <= 0 || width <= 0) throw new ArgumentException($"conv3x3: sizes must be positive (H={height}, W={width})");
        if (input.Length < (long)height * width * cin) throw new ArgumentException("conv3x3: input shorter than (H, W, Cin)");
        if (output.Length < (long)height * width * cout) throw new ArgumentException("conv3x3: output shorter than (H, W, Cout)");
        int paddedWidth = Conv3x3.PaddedWidth(width);
        float[] padded = ArrayPool<float>.Shared.Rent(checked((height + 2) * paddedWidth * cin)); // (H + 2, paddedWidth, Cin)
        try
        {
            fixed (float* src = input) fixed (float* dst = padded) fixed (float* outp = output)
            {
                Conv3x3.CopyIntoPadded(src, height, width, cin, dst, paddedWidth);
                RunPadded<TS, TV>(dst, 0, (nint)paddedWidth * cin, 1, height, width, conv, outp, 0, (nint)width * cout, relu, threads);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(padded);
        }
    }

    /// <summary>Where a fused 2×2 max pool writes: maxima (N, H/2, W/2, Cout) at pixel (0, 0) of image 0 with the given strides, switches (N, H/2, W/2, Cout) dense (none when 0).</summary>
    internal readonly record struct PoolTarget(nint Output, nint ImageStride, nint RowStride, nint Switches)
    {
        public static PoolTarget None => default;
        public bool IsNone => Output == 0;
        public unsafe PoolTarget(float* output, nint imageStride, nint rowStride, int* switches) : this((nint)output, imageStride, rowStride, (nint)switches) { }
    }

    /// <summary>The convolution on already padded images, same layout contract as <see cref="Conv3x3.RunPadded"/>.</summary>
    /// <param name="padded">(N, H + 2, ≥ W + 2, Cin) with a zero border, at padded (0, 0) of image 0.</param>
    /// <param name="output">(N, H, W, Cout) at pixel (0, 0) of image 0; pixels Cout apart.</param>
    /// <param name="output">May be null when <paramref name="pool"/> is given: then only the pooled maxima and switches are written.</param>
    internal static unsafe void RunPadded(float* padded, nint paddedImageStride, nint paddedRowStride, int images, int height, int width,
        PackedWinograd3x3 conv, float* output, nint outputImageStride, nint outputRowStride, bool relu, int threads, PoolTarget pool = default)
    {
        if (Vector512.IsHardwareAccelerated)
            RunPadded<SimdFloat512, Vector512<float>>(padded, paddedImageStride, paddedRowStride, images, height, width, conv, output, outputImageStride, outputRowStride, relu, threads, pool);
        else
            RunPadded<SimdFloat256, Vector256<float>>(padded, paddedImageStride, paddedRowStride, images, height, width, conv, output, outputImageStride, outputRowStride, relu, threads, pool);
    }

    /// <summary>Picks the driver compiled for the weights' algorithm.</summary>
    internal static unsafe void RunPadded<TS, TV>(float* padded, nint paddedImageStride, nint paddedRowStride, int images, int height, int width,
        PackedWinograd3x3 conv, float* output, nint outputImageStride, nint outputRowStride, bool relu, int threads, PoolTarget pool = default)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        if (conv.Tile == WinogradTile.F2x2)
            RunPadded<TS, TV, WinogradF2x2>(padded, paddedImageStride, paddedRowStride, images, height, width, conv, output, outputImageStride, outputRowStride, relu, threads, pool);
        else
            RunPadded<TS, TV, WinogradF4x4>(padded, paddedImageStride, paddedRowStride, images, height, width, conv, output, outputImageStride, outputRowStride, relu, threads, pool);
    }

    /// <summary>How a layer is cut into tasks (also used by the benchmark to describe a layer).</summary>
    internal readonly record struct Plan(int Tiles, int TilesX, int TilesPerImage, int Rows, int GroupTiles, int Groups, int BlocksPerGroup, int ChannelGroups)
    {
        public int Tasks => Groups * ChannelGroups;

        public static Plan For(int images, int height, int width, int blocks, int workers, int outTile, int maxGroupTiles)
        {
            int tilesY = (height + outTile - 1) / outTile, tilesX = (width + outTile - 1) / outTile, perImage = tilesY * tilesX, tiles = images * perImage;
            int rows = RoundUp(tiles, 7) < RoundUp(tiles, 8) ? 7 : 8;
            int groups = (tiles + maxGroupTiles - 1) / maxGroupTiles;
            if (groups > 1) groups = RoundUp(groups, workers);
            int groupTiles = RoundUp((tiles + groups - 1) / groups, rows);
            groups = (tiles + groupTiles - 1) / groupTiles;
            // Enough tasks for every worker (a few each, for balance on a shared machine): split the output channels.
            int channelGroups = Math.Clamp((4 * workers + groups - 1) / groups, 1, blocks);
            int blocksPerGroup = (blocks + channelGroups - 1) / channelGroups;
            channelGroups = (blocks + blocksPerGroup - 1) / blocksPerGroup;
            return new Plan(tiles, tilesX, perImage, rows, groupTiles, groups, blocksPerGroup, channelGroups);
        }
    }

    private static int RoundUp(int n, int m) => (n + m - 1) / m * m;

    private static unsafe void RunPadded<TS, TV, TW>(float* padded, nint paddedImageStride, nint paddedRowStride, int images, int height, int width,
        PackedWinograd3x3 conv, float* output, nint outputImageStride, nint outputRowStride, bool relu, int threads, PoolTarget pool)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TW : struct, IWinogradTile
    {
        if (output == null && pool.IsNone) throw new ArgumentException("winograd: nothing to write (no output, no pool)");
        if (!pool.IsNone && (height < 2 || width < 2)) throw new ArgumentException($"winograd: a fused 2×2 pool needs at least 2×2 (H={height}, W={width})");
        int workers = threads > 0 ? threads : Environment.ProcessorCount;
        var plan = Plan.For(images, height, width, conv.Blocks, workers, TW.OutTile, TW.MaxGroupTiles);
        // One tile group whose output channels are split into several tasks (small maps: block4/block5 at batch 1):
        // every task needs the same V, so V is computed once, by all workers, into one shared buffer first. Not for
        // several tile groups (block3 at batch 1, block5 at batch 8): there the shared V of all groups would be a
        // larger buffer than the tasks' own (measured +12 MB peak RSS at batch 8) for a smaller saving.
        bool shareInput = plan.Groups == 1 && plan.ChannelGroups > 1;
        nint groupInputFloats = shareInput ? SharedInputGroupFloats(plan, conv.InChannels, TW.Elements) : 0;
        float[]? shared = shareInput ? RentSharedInput(plan.Groups * groupInputFloats + 6L * conv.InChannels) : null;
        try
        {
            fixed (float* sharedInput = shared)
            {
                var job = new Job((nint)padded, paddedImageStride, paddedRowStride, height, width, conv, (nint)output, outputImageStride, outputRowStride, relu, plan, pool,
                    (nint)sharedInput, groupInputFloats);
                if (shareInput)
                {
                    float* zeros = sharedInput + plan.Groups * groupInputFloats; // (6, Cin): the patch rows below the padded image
                    new Span<float>(zeros, 6 * conv.InChannels).Clear();
                    int splits = Math.Max(1, (2 * workers + plan.Groups - 1) / plan.Groups), items = plan.Groups * splits;
                    if (workers == 1) for (int i = 0; i < items; i++) SharedInputSlice<TS, TV, TW>(job, i / splits, i % splits, splits);
                    else Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = workers }, i => SharedInputSlice<TS, TV, TW>(job, i / splits, i % splits, splits));
                }
                if (workers == 1 || plan.Tasks == 1)
                    for (int t = 0; t < plan.Tasks; t++) RunTask<TS, TV, TW>(job, t);
                else
                    Parallel.For(0, plan.Tasks, new ParallelOptions { MaxDegreeOfParallelism = workers }, t => RunTask<TS, TV, TW>(job, t));
            }
        }
        finally
        {
            if (shared != null) ReturnSharedInput(shared);
        }
        GC.KeepAlive(conv); // its native weights are read through raw pointers until here
    }

    /// <param name="SharedInput">0, or V of every tile group computed ahead: group g's (36, tilesPadded, Cin) at g·<paramref name="GroupInputFloats"/>.</param>
    private readonly record struct Job(nint Padded, nint PaddedImageStride, nint PaddedRowStride, int Height, int Width, PackedWinograd3x3 Conv,
        nint Output, nint OutputImageStride, nint OutputRowStride, bool Relu, Plan Plan, PoolTarget Pool, nint SharedInput, nint GroupInputFloats);

    /// <summary>Floats of one tile group's V in the shared buffer: (E, GroupTiles rounded up to the row block, Cin), element slices <see cref="VStride"/> apart.</summary>
    private static nint SharedInputGroupFloats(in Plan plan, int cin, int elements) => elements * VStride(RoundUp(plan.GroupTiles, plan.Rows), cin);

    /// <summary>
    /// Floats between two elements' (tiles, Cin) slices of V: one cache line more than they need. The input transform
    /// stores a tile's E elements one slice apart; at a multiple of 4 KB (64 tiles × 64 channels: 16 KB) they all fell
    /// into one L1 set, and block1_conv2's input transform took as long as its GEMM (single thread, loaded: 4.9 vs 6.0 ms).
    /// </summary>
    private static nint VStride(int tilesPadded, int cin) => (nint)tilesPadded * cin + 16;

    /// <summary>Floats between two elements' (tiles, 32) slices of M, one cache line more for the same reason (the output transform loads a tile's E elements).</summary>
    private static nint MStride(int tilesPadded) => (nint)tilesPadded * PackedWinograd3x3.BlockWidth + 16;

    /// <summary>One of <paramref name="splits"/> slices of tile group <paramref name="group"/>'s tiles: V into the shared buffer (slice 0 also zeroes the padding rows).</summary>
    private static unsafe void SharedInputSlice<TS, TV, TW>(in Job job, int group, int split, int splits)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TW : struct, IWinogradTile
    {
        var plan = job.Plan;
        int cin = job.Conv.InChannels;
        int firstTile = group * plan.GroupTiles, tiles = Math.Min(plan.GroupTiles, plan.Tiles - firstTile);
        int tilesPadded = RoundUp(tiles, plan.Rows);
        float* v = (float*)job.SharedInput + group * job.GroupInputFloats; // (36, tilesPadded, Cin)
        float* zeros = (float*)job.SharedInput + plan.Groups * job.GroupInputFloats;
        if (split == 0)
            for (int e = 0; e < TW.Elements; e++) new Span<float>(v + e * VStride(tilesPadded, cin) + (nint)tiles * cin, (tilesPadded - tiles) * cin).Clear();
        int i0 = (int)((long)tiles * split / splits), i1 = (int)((long)tiles * (split + 1) / splits);
        if (i1 > i0) InputTransforms<TS, TV, TW>(job, firstTile + i0, i1 - i0, tilesPadded, v + (nint)i0 * cin, zeros);
    }

    /// <summary>
    /// The shared V buffer (≤ 36 × 64 tiles × Cin floats for F(4×4), 16 × 196 for F(2×2): 4.7 / 6.4 MB at Cin = 512), pinned, kept between layers and calls like the task
    /// scratch; taken and put back atomically, so a concurrent caller simply allocates its own.
    /// </summary>
    private static float[]? s_sharedInput;

    private static float[] RentSharedInput(long length)
    {
        var buffer = Interlocked.Exchange(ref s_sharedInput, null);
        return buffer != null && buffer.Length >= length ? buffer : GC.AllocateUninitializedArray<float>(checked((int)length), pinned: true);
    }

    private static void ReturnSharedInput(float[] buffer)
    {
        var kept = s_sharedInput;
        if (kept == null || kept.Length < buffer.Length) Interlocked.CompareExchange(ref s_sharedInput, buffer, kept);
    }

    private static unsafe void RunTask<TS, TV, TW>(in Job job, int task)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TW : struct, IWinogradTile
    {
        var plan = job.Plan;
        var conv = job.Conv;
        int cin = conv.InChannels;
        int group = task / plan.ChannelGroups, channelGroup = task % plan.ChannelGroups;
        int firstTile = group * plan.GroupTiles, tiles = Math.Min(plan.GroupTiles, plan.Tiles - firstTile);
        int tilesPadded = RoundUp(tiles, plan.Rows);
        bool sharedInput = job.SharedInput != 0;
        int block0 = channelGroup * plan.BlocksPerGroup, block1 = Math.Min(conv.Blocks, block0 + plan.BlocksPerGroup);
        int together = Math.Min(MaxBlocksTogether, block1 - block0); // blocks whose GEMMs share one pass over V
        int vLength = sharedInput ? 0 : TW.Elements * (int)VStride(tilesPadded, cin), mLength = TW.Elements * (int)MStride(tilesPadded);
        int uLength = conv.TransformsOnTheFly ? TW.Elements * UChunkElementStride : 0;
        float[] scratch = RentScratch(vLength + together * (mLength + uLength) + (sharedInput ? 0 : 6 * cin));
        try
        {
            fixed (float* s = scratch)
            {
                float* m = s;                         // (together, E, tilesPadded, 32)
                float* u = m + together * mLength;    // (together, E, 256, 32): chunks of transformed weights, when in place
                float* v;                             // (E, tilesPadded, Cin): this task's own, or the shared one
                if (sharedInput) v = (float*)job.SharedInput + group * job.GroupInputFloats;
                else
                {
                    v = u + together * uLength;
                    float* zeros = v + vLength;  // (6, Cin): the patch rows below the padded image
                    new Span<float>(zeros, 6 * cin).Clear();
                    for (int e = 0; e < TW.Elements; e++) new Span<float>(v + e * VStride(tilesPadded, cin) + (nint)tiles * cin, (tilesPadded - tiles) * cin).Clear();
                    InputTransforms<TS, TV, TW>(job, firstTile, tiles, tilesPadded, v, zeros);
                }
                for (int block = block0; block < block1; block += together)
                {
                    int count = Math.Min(together, block1 - block);
                    var blocks = new BlockSpan(block, count, mLength, uLength);
                    if (conv.TransformsOnTheFly)
                    {
                        if (plan.Rows == 7) MultiplyInPlace<TS, TV, WinogradRows7, TW>(conv, blocks, v, m, u, tilesPadded);
                        else MultiplyInPlace<TS, TV, WinogradRows8, TW>(conv, blocks, v, m, u, tilesPadded);
                    }
                    else if (plan.Rows == 7) Multiply<TS, TV, WinogradRows7>(conv, blocks, v, m, tilesPadded, TW.Elements);
                    else Multiply<TS, TV, WinogradRows8>(conv, blocks, v, m, tilesPadded, TW.Elements);
                    for (int b = 0; b < count; b++) OutputTransforms<TS, TV, TW>(job, block + b, firstTile, tiles, tilesPadded, m + b * mLength);
                }
            }
        }
        finally
        {
            s_scratch.Push(scratch);
        }
    }

    /// <summary>
    /// Scratch for V, M (and U) of one running task (≤ 5 MB at 64 tiles × 512 channels), pinned, kept between layers and
    /// calls: no pool traffic, no page faults per task. A shared stack rather than [ThreadStatic]: as many buffers as
    /// tasks ever ran at once (the worker count), not one per thread-pool thread that ever ran a task.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentStack<float[]> s_scratch = new();

    private static float[] RentScratch(int length)
    {
        if (s_scratch.TryPop(out var buffer) && buffer.Length >= length) return buffer;
        buffer = null; // a too-small one is dropped
        return GC.AllocateUninitializedArray<float>(length, pinned: true);
    }

    /// <summary>V[ξ][i][ci] for the task's tiles; patches start one pixel up-left of the tile, in padded coordinates (4·ty, 4·tx).</summary>
    private static unsafe void InputTransforms<TS, TV, TW>(in Job job, int firstTile, int tiles, int tilesPadded, float* v, float* zeros)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TW : struct, IWinogradTile
    {
        var plan = job.Plan;
        int cin = job.Conv.InChannels, count = TS.Count, vectorChannels = cin - cin % count;
        int paddedRows = job.Height + 2, paddedCols = (int)(job.PaddedRowStride / cin);
        int n = TW.InTile, m = TW.OutTile, elements = TW.Elements;
        float** rows = stackalloc float*[6];
        TV* scratch = stackalloc TV[36];
        Span<float> d = stackalloc float[36], t = stackalloc float[36];
        nint vStride = VStride(tilesPadded, cin);
        for (int i = 0; i < tiles; i++)
        {
            int tile = firstTile + i, image = tile / plan.TilesPerImage, ty = tile % plan.TilesPerImage / plan.TilesX, tx = tile % plan.TilesX;
            float* imageBase = (float*)job.Padded + image * job.PaddedImageStride;
            for (int r = 0; r < n; r++)
                rows[r] = m * ty + r < paddedRows ? imageBase + (m * ty + r) * job.PaddedRowStride + (nint)m * tx * cin : zeros;
            int validCols = Math.Min(n, paddedCols - m * tx);
            float* vTile = v + (nint)i * cin;
            for (int c0 = 0; c0 < vectorChannels; c0 += count)
                TW.Input<TS, TV>(rows, cin, validCols, c0, vTile + c0, vStride, scratch);
            for (int c = vectorChannels; c < cin; c++) // channel remainder: the scalar transform
            {
                for (int r = 0; r < n; r++)
                for (int col = 0; col < n; col++)
                    d[r * n + col] = col < validCols ? rows[r][col * cin + c] : 0;
                Conv3x3WinogradScalar.InputTransform(TW.Matrices, d, t);
                for (int e = 0; e < elements; e++) vTile[e * vStride + c] = t[e];
            }
        }
    }

    /// <summary>
    /// Output blocks whose GEMMs run together: one pass over V (E × tiles × Cin, up to 6.4 MB — L3, not L2) serves them
    /// all, each V row block staying in L1 while it meets every block's U slice; their M and U chunks are the task's scratch.
    /// Two, not four: four measured no faster at batch 1 and maybe 8 % faster at batch 8 (loaded machine), but their
    /// scratch raised the batch-1 peak RSS from 171 to 176 MB, against the pre-Winograd engine's 178.
    /// </summary>
    private const int MaxBlocksTogether = 2;

    /// <summary>Blocks [First, First + Count) of a task; block j's M at m + j·MFloats, its U chunk at u + j·UFloats.</summary>
    private readonly record struct BlockSpan(int First, int Count, int MFloats, int UFloats);

    /// <summary>
    /// M[ξ] = V[ξ] · U[ξ][block] for the E elements and the span's blocks: per element and row block of tiles, every
    /// block's U slice (Cin, 32) meets the same V rows (in L1) before the next row block.
    /// </summary>
    private static unsafe void Multiply<TS, TV, TR>(PackedWinograd3x3 conv, BlockSpan blocks, float* v, float* m, int tilesPadded, int elements)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TR : struct, IWinogradRows
    {
        int cin = conv.InChannels, rows = TR.Rows;
        const int bw = PackedWinograd3x3.BlockWidth;
        for (int e = 0; e < elements; e++)
        for (int r0 = 0; r0 < tilesPadded; r0 += rows)
        {
            float* vRows = v + e * VStride(tilesPadded, cin) + (nint)r0 * cin;
            for (int j = 0; j < blocks.Count; j++)
            {
                float* u = conv.ElementWeights(e, blocks.First + j);
                float* mRows = m + j * (nint)blocks.MFloats + e * MStride(tilesPadded) + (nint)r0 * bw;
                for (int c0 = 0; c0 < cin; c0 += WinogradGemm.ChunkChannels)
                {
                    int count = Math.Min(WinogradGemm.ChunkChannels, cin - c0);
                    for (int half = 0; half < bw; half += 2 * TS.Count)
                        WinogradGemm.Tile<TS, TV, TR>(vRows + c0, cin, count, u + (nint)c0 * bw + half, mRows + half, accumulate: c0 > 0);
                }
            }
        }
    }

    /// <summary>Input channels ahead the Keras kernel's lines are prefetched.</summary>
    private const int PrefetchChannels = 6;

    /// <summary>
    /// Input channels per transformed weight chunk: 256 (up to 4 of the GEMM's 64-channel partial sums use one chunk, so
    /// M goes through L2 Cin/256 times instead of Cin/64). Measured on the loaded machine, conv stack at batch 1, median
    /// per-round time against all-packed weights: chunks of 64 cost ~10 %, of 128 ~9 %, of 256 ~7 %, of 512 ~6 % (±5 %).
    /// </summary>
    internal const int TransformChunkChannels = 256;

    /// <summary>
    /// Floats between two elements' (256, 32) slices in the chunk: one cache line more than they need, so the 36 stores
    /// of one kernel transform land in different L1 sets (32 KB apart they all hit one set: the transform measured 2–3×
    /// slower in a micro-benchmark).
    /// </summary>
    private const int UChunkElementStride = TransformChunkChannels * PackedWinograd3x3.BlockWidth + 16;

    /// <summary>
    /// <see cref="Multiply"/> for weights kept in Keras layout (<see cref="PackedWinograd3x3.InPlace"/>): per chunk of
    /// 256 input channels, U (E, 256, 32) of each of the span's blocks is computed from the kernel into <paramref name="u"/>,
    /// then all E elements' GEMMs use them, in 64-channel partial sums as in the packed path (same summation order); with
    /// F(4×4) M comes out 576× larger (see <see cref="WinogradTransforms.KernelScale"/>), undone in the output transform.
    /// </summary>
    private static unsafe void MultiplyInPlace<TS, TV, TR, TW>(PackedWinograd3x3 conv, BlockSpan blocks, float* v, float* m, float* u, int tilesPadded)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TR : struct, IWinogradRows where TW : struct, IWinogradTile
    {
        int cin = conv.InChannels, rows = TR.Rows;
        const int bw = PackedWinograd3x3.BlockWidth;
        for (int t0 = 0; t0 < cin; t0 += TransformChunkChannels)
        {
            int transformed = Math.Min(TransformChunkChannels, cin - t0);
            for (int j = 0; j < blocks.Count; j++)
                TransformKernelChunk<TS, TV, TW>(conv, blocks.First + j, t0, transformed, u + j * (nint)blocks.UFloats);
            for (int e = 0; e < TW.Elements; e++)
            for (int r0 = 0; r0 < tilesPadded; r0 += rows)
            {
                float* vRows = v + e * VStride(tilesPadded, cin) + (nint)r0 * cin;
                for (int j = 0; j < blocks.Count; j++)
                {
                    float* uElement = u + j * (nint)blocks.UFloats + e * UChunkElementStride;
                    float* mRows = m + j * (nint)blocks.MFloats + e * MStride(tilesPadded) + (nint)r0 * bw;
                    for (int c0 = t0; c0 < t0 + transformed; c0 += WinogradGemm.ChunkChannels)
                    {
                        int count = Math.Min(WinogradGemm.ChunkChannels, cin - c0);
                        for (int half = 0; half < bw; half += 2 * TS.Count)
                            WinogradGemm.Tile<TS, TV, TR>(vRows + c0, cin, count, uElement + (nint)(c0 - t0) * bw + half, mRows + half, accumulate: c0 > 0);
                    }
                }
            }
        }
    }

    /// <summary>
    /// U (36, count, 32) for input channels [c0, c0 + count) and one 32-wide output block, from the Keras kernel
    /// (3, 3, Cin, Cout). Output channels past Cout (the last block of an odd Cout) come out zero, as in the packed form.
    /// </summary>
    private static unsafe void TransformKernelChunk<TS, TV, TW>(PackedWinograd3x3 conv, int block, int c0, int count, float* u)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TW : struct, IWinogradTile
    {
        int cin = conv.InChannels, cout = conv.OutChannels, co0 = block * PackedWinograd3x3.BlockWidth;
        const int bw = PackedWinograd3x3.BlockWidth;
        int lanes = Math.Min(bw, cout - co0);
        nint tapStride = (nint)cin * cout, uStride = UChunkElementStride;
        float* kernel = conv.KernelSource;
        TV* scratch = stackalloc TV[18];
        float* padded = stackalloc float[9 * bw]; // (9, 32): a partial block's taps, zero past Cout
        for (int i = 0; i < count; i++)
        {
            float* g = kernel + (nint)(c0 + i) * cout + co0; // tap 0 of (ci, co0)
            if (Sse.IsSupported && i + PrefetchChannels < count)
            {
                // The 9 taps of one ci are Cin·Cout floats apart (1 MB at 512×512), consecutive ci 4·Cout bytes: 9
                // page-crossing strided streams, read once per forward from DRAM. (With the kernel already in L3 the
                // prefetch measured neither faster nor slower; from DRAM it could not be measured on the loaded machine.)
                float* ahead = g + (nint)PrefetchChannels * cout;
                for (int tap = 0; tap < 9; tap++)
                for (int line = 0; line < lanes; line += 16)
                    Sse.Prefetch0(ahead + tap * tapStride + line);
            }
            nint stride = tapStride;
            if (lanes < bw)
            {
                new Span<float>(padded, 9 * bw).Clear();
                for (int tap = 0; tap < 9; tap++)
                    new ReadOnlySpan<float>(g + tap * tapStride, lanes).CopyTo(new Span<float>(padded + tap * bw, lanes));
                g = padded;
                stride = bw;
            }
            for (int lane = 0; lane < bw; lane += TS.Count)
                TW.Kernel<TS, TV>(g + lane, stride, u + (nint)i * bw + lane, uStride, scratch);
        }
    }

    /// <summary>Y = Aᵀ M A (· 1/576 when the weights came from <see cref="WinogradTransforms.Kernel"/>) + bias (ReLU) for the task's tiles and one 32-channel block, clipped at the image edge.</summary>
    private static unsafe void OutputTransforms<TS, TV, TW>(in Job job, int block, int firstTile, int tiles, int tilesPadded, float* m)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TW : struct, IWinogradTile
    {
        var plan = job.Plan;
        int cout = job.Conv.OutChannels, count = TS.Count, co0 = block * PackedWinograd3x3.BlockWidth, side = TW.OutTile;
        float* bias = job.Conv.BlockBias(block);
        TV scale = TS.Broadcast(job.Conv.TransformsOnTheFly ? 1f / TW.KernelScale : 1f);
        TV* y = stackalloc TV[16];
        TV* scratch = stackalloc TV[24];
        float* lane = stackalloc float[count];
        nint mStride = MStride(tilesPadded);
        for (int i = 0; i < tiles; i++)
        {
            int tile = firstTile + i, image = tile / plan.TilesPerImage, ty = tile % plan.TilesPerImage / plan.TilesX, tx = tile % plan.TilesX;
            int rowsHere = Math.Min(side, job.Height - side * ty), colsHere = Math.Min(side, job.Width - side * tx);
            float* outTile = (float*)job.Output + image * job.OutputImageStride + (side * ty) * job.OutputRowStride + (nint)side * tx * cout;
            for (int c = 0; c < PackedWinograd3x3.BlockWidth; c += count)
            {
                int channels = Math.Min(count, cout - co0 - c);
                if (channels <= 0) break;
                TW.Output<TS, TV>(m + (nint)i * PackedWinograd3x3.BlockWidth + c, mStride, y, scratch);
                TV b = TS.Load(bias + c);
                for (int k = 0; k < side * side; k++)
                {
                    y[k] = TS.Fma(y[k], scale, b); // scale 1 (exact: the plain add) or 1/576 for weights transformed on the fly
                    if (job.Relu) y[k] = TS.Max(y[k], TS.Zero);
                }
                if (job.Output != 0)
                    for (int oy = 0; oy < rowsHere; oy++)
                    for (int ox = 0; ox < colsHere; ox++)
                        StoreChannels<TS, TV>(y[oy * side + ox], outTile + oy * job.OutputRowStride + (nint)ox * cout + co0 + c, channels, lane);
                if (!job.Pool.IsNone) Pool<TS, TV>(job, y, side, image, ty, tx, co0 + c, channels, lane);
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreChannels<TS, TV>(TV value, float* dst, int channels, float* lane)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        if (channels == TS.Count) TS.Store(value, dst);
        else
        {
            TS.Store(value, lane);
            new Span<float>(lane, channels).CopyTo(new Span<float>(dst, channels));
        }
    }

    /// <summary>
    /// The tile's 2×2 windows (four in a 4×4 tile, one in a 2×2 tile): maxima and switches, windows past H/2 or W/2 (an
    /// odd last row/column) dropped.
    /// </summary>
    /// <param name="y">side × side outputs, row-major.</param>
    private static unsafe void Pool<TS, TV>(in Job job, TV* y, int side, int image, int ty, int tx, int channel, int channels, float* lane)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        int width = job.Width, pooledHeight = job.Height / 2, pooledWidth = width / 2, cout = job.Conv.OutChannels, windows = side / 2;
        var pool = job.Pool;
        for (int py = 0; py < windows; py++)
        {
            int poy = windows * ty + py;
            if (poy >= pooledHeight) break;
            for (int px = 0; px < windows; px++)
            {
                int pox = windows * tx + px;
                if (pox >= pooledWidth) break;
                int y0 = 2 * poy, x0 = 2 * pox, k = 2 * py * side + 2 * px; // window's top-left in the conv output; in the tile
                TV best = y[k], index = TS.IntBits(y0 * width + x0);
                TV v = y[k + 1], more = TS.GreaterThan(v, best);
                best = TS.Select(more, v, best); index = TS.Select(more, TS.IntBits(y0 * width + x0 + 1), index);
                v = y[k + side]; more = TS.GreaterThan(v, best);
                best = TS.Select(more, v, best); index = TS.Select(more, TS.IntBits((y0 + 1) * width + x0), index);
                v = y[k + side + 1]; more = TS.GreaterThan(v, best);
                best = TS.Select(more, v, best); index = TS.Select(more, TS.IntBits((y0 + 1) * width + x0 + 1), index);
                StoreChannels<TS, TV>(best, (float*)pool.Output + image * pool.ImageStride + poy * pool.RowStride + (nint)pox * cout + channel, channels, lane);
                nint s = (((nint)image * pooledHeight + poy) * pooledWidth + pox) * cout + channel;
                if (pool.Switches != 0) StoreChannels<TS, TV>(index, (float*)((int*)pool.Switches + s), channels, lane); // int bits, copied as they are
            }
        }
    }
}
