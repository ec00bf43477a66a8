using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// 3×3 convolution, 'same' zero padding, stride 1, bias and ReLU fused, channels last:
/// a <b>register-blocked direct convolution</b> over weights repacked by <see cref="PackedConv3x3"/>.
///
/// Blocking: the output (H, W, Cout) is cut into tiles of one row × TilePixels pixels (14 for Vector512, 6 for
/// Vector256) × 32 output channels. A tile's accumulators stay in vector registers for the whole 9·Cin reduction
/// (loops ky, then kx·ci as one contiguous run of 3·Cin; the input value is broadcast, the 32 weights of that
/// (ky, kx, ci) are two contiguous vectors).
/// 'Same' padding comes from a zero-padded copy of the input (H + 2, max(W, 14) + 2, Cin), so the microkernel
/// has no edge cases. A row whose width is not a multiple of the tile ends with a tile shifted left to overlap
/// the previous one (recomputing a few pixels, no scalar tail); rows narrower than a tile and a last channel
/// block narrower than 32 (the packed weights are zero-padded) go through a small scratch tile.
///
/// Threads: the (32-channel block × image × row band) tasks run on the thread pool, block-major so that
/// consecutive tasks reuse one block's weights from L2 — except for layers with few input channels, whose weights all
/// fit L1: their tasks are (image × row band), pixel-major (<see cref="ChooseSchedule"/>). <c>threads</c> ≤ 0 means all cores.
/// </summary>
public static class Conv3x3
{
    /// <summary>Widest tile of any microkernel: padded buffers are at least this wide (+2).</summary>
    internal const int MaxTilePixels = 14;

    /// <summary>The microkernel the driver uses on this machine.</summary>
    public static string KernelName => Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256";

    /// <param name="input">(H, W, Cin).</param>
    /// <param name="output">(H, W, Cout).</param>
    /// <param name="relu">false gives the plain convolution (the deconvnet's transposed conv uses it with a flipped kernel).</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, PackedConv3x3 conv, Span<float> output, bool relu = true)
        => Run(input, height, width, conv, output, relu, threads: 0);

    /// <param name="threads">Worker threads; ≤ 0 means all cores.</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, PackedConv3x3 conv, Span<float> output, bool relu, int threads)
    {
        if (Vector512.IsHardwareAccelerated) Run<Conv3x3Vector512>(input, height, width, conv, output, relu, threads);
        else Run<Conv3x3Vector256>(input, height, width, conv, output, relu, threads);
    }

    /// <summary>Runs with one chosen microkernel: pads the input into a pooled scratch buffer, then <see cref="RunPadded{TKernel}"/>.</summary>
    public static void Run<TKernel>(ReadOnlySpan<float> input, int height, int width, PackedConv3x3 conv, Span<float> output, bool relu, int threads)
        where TKernel : IConv3x3Microkernel
        => Run<TKernel>(input, height, width, conv, output, relu, threads, Conv3x3Schedule.Auto);

    /// <summary>As above with a forced schedule (tests cover every one on any shape).</summary>
    internal static unsafe void Run<TKernel>(ReadOnlySpan<float> input, int height, int width, PackedConv3x3 conv, Span<float> output, bool relu, int threads,
        Conv3x3Schedule schedule) where TKernel : IConv3x3Microkernel
    {
        ArgumentNullException.ThrowIfNull(conv);
        int cin = conv.InChannels, cout = conv.OutChannels;
        if (height <= 0 || width <= 0) throw new ArgumentException($"conv3x3: sizes must be positive (H={height}, W={width})");
        if (input.Length < (long)height * width * cin) throw new ArgumentException("conv3x3: input shorter than (H, W, Cin)");
        if (output.Length < (long)height * width * cout) throw new ArgumentException("conv3x3: output shorter than (H, W, Cout)");

        int paddedWidth = PaddedWidth(width);
        int paddedLength = checked((height + 2) * paddedWidth * cin);
        float[] padded = ArrayPool<float>.Shared.Rent(paddedLength); // (H + 2, paddedWidth, Cin)
        try
        {
            fixed (float* src = input)
            fixed (float* dst = padded)
            fixed (float* outp = output)
            {
                CopyIntoPadded(src, height, width, cin, dst, paddedWidth);
                RunPadded<TKernel>(dst, 0, (nint)paddedWidth * cin, 1, height, width, conv, outp, 0, (nint)width * cout, relu, threads, schedule);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(padded);
        }
    }

    /// <summary>Width of the padded buffer for an image of <paramref name="width"/> columns: one zero column left, at least one right.</summary>
    internal static int PaddedWidth(int width) => Math.Max(width, MaxTilePixels) + 2;

    /// <summary>Copies (H, W, C) into the interior of a zeroed (H + 2, paddedWidth, C) buffer.</summary>
    internal static unsafe void CopyIntoPadded(float* src, int height, int width, int channels, float* dst, int paddedWidth)
    {
        nint rowLength = (nint)paddedWidth * channels;
        new Span<float>(dst, (int)rowLength).Clear();                                        // top border row
        new Span<float>(dst + (height + 1) * rowLength, (int)rowLength).Clear();             // bottom border row
        for (int y = 0; y < height; y++)
        {
            float* row = dst + (y + 1) * rowLength;
            new Span<float>(row, channels).Clear();                                          // left border pixel
            new Span<float>(src + (nint)y * width * channels, width * channels).CopyTo(new Span<float>(row + channels, width * channels));
            new Span<float>(row + (nint)(width + 1) * channels, (paddedWidth - width - 1) * channels).Clear(); // right border
        }
    }

    /// <summary>
    /// The convolution proper, on already padded images (the CPU backend keeps its activations in this layout,
    /// so no copy is made between layers).
    /// </summary>
    /// <param name="padded">(N, H + 2, ≥ max(W, 14) + 2, Cin), zero border; rows <paramref name="paddedRowStride"/>, images <paramref name="paddedImageStride"/> floats apart.</param>
    /// <param name="output">(N, H, W, Cout) with rows <paramref name="outputRowStride"/> and images <paramref name="outputImageStride"/> floats apart (pixels Cout apart).</param>
    internal static unsafe void RunPadded(float* padded, nint paddedImageStride, nint paddedRowStride, int images, int height, int width,
        PackedConv3x3 conv, float* output, nint outputImageStride, nint outputRowStride, bool relu, int threads)
    {
        if (Vector512.IsHardwareAccelerated)
            RunPadded<Conv3x3Vector512>(padded, paddedImageStride, paddedRowStride, images, height, width, conv, output, outputImageStride, outputRowStride, relu, threads);
        else
            RunPadded<Conv3x3Vector256>(padded, paddedImageStride, paddedRowStride, images, height, width, conv, output, outputImageStride, outputRowStride, relu, threads);
    }

    internal static unsafe void RunPadded<TKernel>(float* padded, nint paddedImageStride, nint paddedRowStride, int images, int height, int width,
        PackedConv3x3 conv, float* output, nint outputImageStride, nint outputRowStride, bool relu, int threads,
        Conv3x3Schedule schedule = Conv3x3Schedule.Auto)
        where TKernel : IConv3x3Microkernel
    {
        int blocks = conv.Blocks;
        int workers = threads > 0 ? threads : Environment.ProcessorCount;
        if (schedule == Conv3x3Schedule.Auto) schedule = ChooseSchedule(conv);
        // BlockMajor: tasks are (channel block, image, row band), in that order: consecutive tasks share a block's
        // weights (up to 590 KB, kept in L2 across the images of a batch). PixelMajor: tasks are (image, row band),
        // each running every block on a tile before moving on, so its output lines are written front to back.
        // Enough row bands that every worker gets several tasks even for one image and one block; pixel-major cuts
        // as many tasks as block-major would (smaller ones balance better when another process takes a core).
        int units = schedule == Conv3x3Schedule.BlockMajor ? images * blocks : images;
        int minTasks = schedule == Conv3x3Schedule.BlockMajor ? 4 * workers : Math.Max(4 * workers, images * blocks);
        int bands = Math.Min(height, Math.Max(1, (minTasks + units - 1) / units));
        int rowsPerBand = (height + bands - 1) / bands;
        bands = (height + rowsPerBand - 1) / rowsPerBand;
        int tasks = units * bands;

        var job = new Job(padded, paddedImageStride, paddedRowStride, height, width, conv, output, outputImageStride, outputRowStride,
            relu, images, bands, rowsPerBand, schedule);
        if (workers == 1 || tasks == 1)
            for (int t = 0; t < tasks; t++) RunTask<TKernel>(job, t);
        else
            Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = workers }, t => RunTask<TKernel>(job, t));
        GC.KeepAlive(conv); // its native weights are read through raw pointers until here
    }

    /// <summary>Most bytes of packed weights (all blocks) for which a task runs every block on a tile (PixelMajor).</summary>
    internal const int PixelMajorMaxWeightBytes = 32 * 1024;

    /// <summary>
    /// Block-major (VGG16's deep layers: a block's large weights stay in L2 across a batch) unless every block's weights
    /// fit in L1 together (few input channels: a first layer on RGB or grayscale, e.g. VGG16's block1_conv1, 7 KB) and
    /// there is more than one block. Then pixel-major: each task writes whole output lines front to back. Block-major
    /// tasks write a 128-byte stripe of every 512-byte pixel of a whole image; on an output that is not 64-byte aligned
    /// (a managed array) every stripe ends in two partial lines that another block's task completes long after they were
    /// evicted, so those lines are fetched and written back twice — and such layers, with little work per output value,
    /// are bound by their output's memory traffic. Measured (engine alone, median, load 2–4 from other work):
    /// 64×64×3→128 batch 8: 1.55 → 0.94 ms on 2 threads, 1.68 → 1.39 ms on 1; 224×224×3→64 (block1_conv1) batch 1,
    /// 1 thread: 1.05 → 1.00 ms, batch 4: 4.75 → 4.34 ms. Streaming (non-temporal) stores of each finished tile were
    /// tried too and were slower than plain stores here (1.6–1.9 ms against 0.9–1.4), so they are not used.
    /// </summary>
    internal static Conv3x3Schedule ChooseSchedule(PackedConv3x3 conv)
    {
        long weightBytes = (long)conv.Blocks * 9 * conv.InChannels * PackedConv3x3.BlockWidth * sizeof(float);
        return conv.Blocks > 1 && weightBytes <= PixelMajorMaxWeightBytes ? Conv3x3Schedule.PixelMajor : Conv3x3Schedule.BlockMajor;
    }

    /// <summary>Everything a task needs (pointers as nint so a lambda can carry them).</summary>
    private readonly record struct Job(nint Padded, nint PaddedImageStride, nint PaddedRowStride, int Height, int Width, PackedConv3x3 Conv,
        nint Output, nint OutputImageStride, nint OutputRowStride, bool Relu, int Images, int Bands, int RowsPerBand, Conv3x3Schedule Schedule)
    {
        public unsafe Job(float* padded, nint paddedImageStride, nint paddedRowStride, int height, int width, PackedConv3x3 conv,
            float* output, nint outputImageStride, nint outputRowStride, bool relu, int images, int bands, int rowsPerBand, Conv3x3Schedule schedule)
            : this((nint)padded, paddedImageStride, paddedRowStride, height, width, conv, (nint)output, outputImageStride, outputRowStride,
                relu, images, bands, rowsPerBand, schedule) { }
    }

    // Optimized at first call: a CLI run does one forward, too few calls for tiered compilation to leave its first tier.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RunTask<TKernel>(in Job job, int task)
        where TKernel : IConv3x3Microkernel
    {
        bool blockMajor = job.Schedule == Conv3x3Schedule.BlockMajor;
        int block = blockMajor ? task / (job.Images * job.Bands) : -1, image = task / job.Bands % job.Images, band = task % job.Bands;
        float* padded = (float*)job.Padded + image * job.PaddedImageStride;
        float* output = (float*)job.Output + image * job.OutputImageStride;
        float* scratch = stackalloc float[MaxTilePixels * PackedConv3x3.BlockWidth]; // (tile, 32)
        int y1 = Math.Min(job.Height, (band + 1) * job.RowsPerBand);
        for (int y = band * job.RowsPerBand; y < y1; y++)
        {
            float* inRow = padded + y * job.PaddedRowStride, outRow = output + y * job.OutputRowStride;
            if (blockMajor) RowOfBlock<TKernel>(inRow, job.PaddedRowStride, job.Width, job.Conv, block, outRow, job.Relu, scratch);
            else PixelMajorRow<TKernel>(inRow, job.PaddedRowStride, job.Width, job.Conv, outRow, job.Relu, scratch);
        }
    }

    /// <summary>One output row of one 32-channel block.</summary>
    /// <param name="inRow">Padded row y (image row y − 1), pixels Cin apart.</param>
    /// <param name="outRow">Output row y, pixels Cout apart.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowOfBlock<TKernel>(float* inRow, nint paddedRowStride, int width, PackedConv3x3 conv, int block, float* outRow,
        bool relu, float* scratch) where TKernel : IConv3x3Microkernel
    {
        int tile = TKernel.TilePixels, cin = conv.InChannels, cout = conv.OutChannels;
        int co0 = block * PackedConv3x3.BlockWidth;
        int channelsHere = Math.Min(PackedConv3x3.BlockWidth, cout - co0);
        float* weights = conv.BlockWeights(block), bias = conv.BlockBias(block);
        outRow += co0;
        for (int x0 = 0; x0 < width; x0 += tile)
        {
            int x = Math.Min(x0, Math.Max(0, width - tile)); // the last tile overlaps the previous one
            if (channelsHere == PackedConv3x3.BlockWidth && width >= tile)
            {
                TKernel.Tile(inRow + (nint)x * cin, paddedRowStride, cin, weights, bias, outRow + (nint)x * cout, cout, relu);
            }
            else
            {
                TKernel.Tile(inRow + (nint)x * cin, paddedRowStride, cin, weights, bias, scratch, PackedConv3x3.BlockWidth, relu);
                int pixels = Math.Min(tile, width - x);
                for (int p = 0; p < pixels; p++)
                    new Span<float>(scratch + p * PackedConv3x3.BlockWidth, channelsHere).CopyTo(new Span<float>(outRow + (nint)(x + p) * cout, channelsHere));
            }
        }
    }

    /// <summary>One output row, all blocks, tile by tile: the tile's input (3 rows × 16 pixels) is reused by every block from L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PixelMajorRow<TKernel>(float* inRow, nint paddedRowStride, int width, PackedConv3x3 conv, float* outRow,
        bool relu, float* scratch) where TKernel : IConv3x3Microkernel
    {
        int tile = TKernel.TilePixels, cin = conv.InChannels, cout = conv.OutChannels;
        for (int x0 = 0; x0 < width; x0 += tile)
        {
            int x = Math.Min(x0, Math.Max(0, width - tile)); // the last tile overlaps the previous one
            int pixels = Math.Min(tile, width - x);
            float* dst = outRow + (nint)x * cout; // (pixels, Cout)
            for (int block = 0; block < conv.Blocks; block++)
            {
                int co0 = block * PackedConv3x3.BlockWidth;
                int channelsHere = Math.Min(PackedConv3x3.BlockWidth, cout - co0);
                float* weights = conv.BlockWeights(block), bias = conv.BlockBias(block);
                if (channelsHere == PackedConv3x3.BlockWidth && width >= tile)
                {
                    TKernel.Tile(inRow + (nint)x * cin, paddedRowStride, cin, weights, bias, dst + co0, cout, relu);
                    continue;
                }
                TKernel.Tile(inRow + (nint)x * cin, paddedRowStride, cin, weights, bias, scratch, PackedConv3x3.BlockWidth, relu);
                for (int p = 0; p < pixels; p++)
                    new Span<float>(scratch + p * PackedConv3x3.BlockWidth, channelsHere).CopyTo(new Span<float>(dst + (nint)p * cout + co0, channelsHere));
            }
        }
    }
}

/// <summary>How <see cref="Conv3x3"/> orders its work and writes its output (Auto: chosen by shape, see <see cref="Conv3x3.ChooseSchedule"/>).</summary>
internal enum Conv3x3Schedule { Auto, BlockMajor, PixelMajor }
