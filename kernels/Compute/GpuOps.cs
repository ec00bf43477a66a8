namespace CnnEngine.Kernels.Compute;

/// <summary>
/// The ops on one device, as launches over device buffers. Each method knows its kernel's launch geometry and
/// argument order; shapes are in the comments as (N, H, W, C). Nothing here copies to or from the host.
/// </summary>
public sealed class GpuOps
{
    public IComputeDevice Device { get; }
    public int VectorWidth => Device.VectorWidth;

    // Register-block sizes (compile-time constants of the kernels, passed as -D defines).
    public const int RegPixels = 7, RegChannelVectors = 2, WinogradTiles = 6;
    // Tiled rung: group of TCO × TX × TY threads.
    public const int TiledTx = 8, TiledTy = 4, TiledTco = 8;
    /// <summary>Winograd tiles per launch: a multiple of <see cref="WinogradTiles"/>, small enough for CUDA's 65535-block grid limit.</summary>
    public const int WinogradTileChunk = 6 * 8192;

    private readonly Dictionary<string, int> _regDefines, _winoDefines;

    public GpuOps(IComputeDevice device)
    {
        Device = device;
        _regDefines = new() { ["PX"] = RegPixels, ["COV"] = RegChannelVectors };
        _winoDefines = new() { ["RT"] = WinogradTiles, ["COV"] = RegChannelVectors };
    }

    /// <summary>Output channels padded to whole register blocks (COV·VW), as regblock/winograd weights are laid out.</summary>
    public int PaddedChannels(int channels) => RoundUp(channels, RegChannelVectors * VectorWidth);

    /// <summary>Compiles every kernel a forward with <paramref name="rung"/> needs, so build errors surface at open.</summary>
    public void Warm(ConvRung rung, bool includeTop)
    {
        switch (rung)
        {
            case ConvRung.Naive: Device.Kernel("conv3x3_naive.c", "conv3x3_naive"); break;
            case ConvRung.Tiled: Device.Kernel("conv3x3_tiled.c", "conv3x3_tiled", TiledDefines); break;
            case ConvRung.RegBlock: Device.Kernel("conv3x3_regblock.c", "conv3x3_regblock", _regDefines); break;
            case ConvRung.Winograd:
                Device.Kernel("conv3x3_regblock.c", "conv3x3_regblock", _regDefines);   // shallow layers (see GpuBackend.LayerRung)
                foreach (var k in new[] { "winograd_input", "winograd_gemm", "winograd_output" }) Device.Kernel("conv3x3_winograd.c", k, _winoDefines);
                break;
        }
        Device.Kernel("maxpool2x2.c", "maxpool2x2");
        if (includeTop) { Device.Kernel("dense.c", "dense"); Device.Kernel("softmax.c", "softmax"); }
    }

    private static readonly Dictionary<string, int> TiledDefines = new() { ["TX"] = TiledTx, ["TY"] = TiledTy, ["TCO"] = TiledTco, ["CI"] = 16 };

    /// <summary>
    /// conv 3×3 'same' + bias (+ ReLU). <paramref name="weights"/> is in the layout <see cref="ConvWeights"/> made for
    /// this rung. Winograd needs scratch (see <see cref="WinogradScratchFloats"/>).
    /// </summary>
    public void Conv(ConvWeights weights, DeviceBuffer input /* (N, H, W, Cin) */, DeviceBuffer output /* (N, H, W, Cout) */,
        int n, int h, int w, bool relu, DeviceBuffer? scratchV = null, DeviceBuffer? scratchM = null)
    {
        int cin = weights.InChannels, cout = weights.OutChannels, r = relu ? 1 : 0;
        bool cpu = Device.IsCpu;
        switch (weights.Rung)
        {
            case ConvRung.Naive:
                Device.Launch(Device.Kernel("conv3x3_naive.c", "conv3x3_naive"), (cout, w, n * h), cpu ? (Math.Min(cout, 64), 1, 1) : (Math.Min(cout, 32), 4, 1),
                    input, weights.Kernel, weights.Bias, output, n, h, w, cin, cout, r);
                break;
            case ConvRung.Tiled:
            {
                int tilesY = (h + TiledTy - 1) / TiledTy;
                Device.Launch(Device.Kernel("conv3x3_tiled.c", "conv3x3_tiled", TiledDefines),
                    (RoundUp(cout, TiledTco), RoundUp(w, TiledTx), n * tilesY * TiledTy), (TiledTco, TiledTx, TiledTy),
                    input, weights.Kernel, weights.Bias, output, n, h, w, cin, cout, r);
                break;
            }
            case ConvRung.RegBlock:
            {
                int blocks = weights.PaddedOut / (RegChannelVectors * VectorWidth), xBlocks = (w + RegPixels - 1) / RegPixels;
                var local = cpu ? (blocks, Math.Min(xBlocks, Math.Max(1, 16 / blocks)), 1) : (Math.Min(blocks, 16), Math.Min(xBlocks, 4), 1);
                Device.Launch(Device.Kernel("conv3x3_regblock.c", "conv3x3_regblock", _regDefines), (blocks, xBlocks, n * h), local,
                    input, weights.Kernel, weights.Bias, output, n, h, w, cin, cout, weights.PaddedOut, r);
                break;
            }
            case ConvRung.Winograd:
            {
                int tiles = n * ((h + 1) / 2) * ((w + 1) / 2);
                long need = WinogradScratchFloats(n, h, w, Math.Max(cin, weights.PaddedOut)) * 4L;
                if (scratchV is null || scratchM is null || scratchV.Bytes < need || scratchM.Bytes < need)
                    throw new ArgumentException("winograd conv needs scratch buffers of WinogradScratchFloats floats");
                int blocks = weights.PaddedOut / (RegChannelVectors * VectorWidth);
                // Tiles run along grid dimension 1 (CUDA: at most 65535 blocks), so big batches go in chunks.
                for (int t0 = 0; t0 < tiles; t0 += WinogradTileChunk)
                {
                    int count = Math.Min(WinogradTileChunk, tiles - t0), tileBlocks = (count + WinogradTiles - 1) / WinogradTiles;
                    Device.Launch(Device.Kernel("conv3x3_winograd.c", "winograd_input", _winoDefines), (cin, count, 1),
                        GroupOf64(cin), input, scratchV, n, h, w, cin, t0);
                    var local = cpu ? (blocks, Math.Max(1, Math.Min(tileBlocks, 16 / blocks)), 1) : (Math.Min(blocks, 16), Math.Min(tileBlocks, 4), 1);
                    Device.Launch(Device.Kernel("conv3x3_winograd.c", "winograd_gemm", _winoDefines), (blocks, tileBlocks, 16), local,
                        scratchV, weights.Kernel, scratchM, tiles, cin, weights.PaddedOut, t0);
                    Device.Launch(Device.Kernel("conv3x3_winograd.c", "winograd_output", _winoDefines), (cout, count, 1),
                        GroupOf64(cout), scratchM, weights.Bias, output, n, h, w, cout, weights.PaddedOut, r, t0);
                }
                break;
            }
        }
    }

    /// <summary>A group of about 64 threads: all of dimension 0 up to 64, the rest along dimension 1.</summary>
    private static (int, int, int) GroupOf64(int dim0) => (Math.Min(dim0, 64), Math.Max(1, 64 / Math.Min(dim0, 64)), 1);

    /// <summary>Floats one Winograd scratch buffer (V or M) needs: 16 planes × tiles × channels.</summary>
    public static long WinogradScratchFloats(int n, int h, int w, int channels) => 16L * n * ((h + 1) / 2) * ((w + 1) / 2) * channels;

    public void MaxPool(DeviceBuffer input /* (N, H, W, C) */, DeviceBuffer output /* (N, H/2, W/2, C) */, DeviceBuffer switches, int n, int h, int w, int c) =>
        Device.Launch(Device.Kernel("maxpool2x2.c", "maxpool2x2"), (c, w / 2, n * (h / 2)), Device.IsCpu ? (Math.Min(c, 64), 1, 1) : (Math.Min(c, 64), 2, 1),
            input, output, switches, n, h, w, c);

    /// <summary>Dense on (N, Cin) with weights (Cin, CoutPad) padded to VW (see <see cref="DenseWeights"/>).</summary>
    public void Dense(DenseWeights weights, DeviceBuffer input, DeviceBuffer output /* (N, Cout) */, int n, bool relu)
    {
        int blocks = (weights.OutFeatures + VectorWidth - 1) / VectorWidth;
        Device.Launch(Device.Kernel("dense.c", "dense"), (blocks, n, 1), (Math.Min(blocks, Device.IsCpu ? 16 : 64), 1, 1),
            input, weights.Kernel, weights.Bias, output, n, weights.InFeatures, weights.OutFeatures, weights.PaddedOut, relu ? 1 : 0);
    }

    public void Softmax(DeviceBuffer values /* (N, K) */, int n, int k) =>
        Device.Launch(Device.Kernel("softmax.c", "softmax"), (n, 1, 1), (1, 1, 1), values, n, k);

    public void Unpool(DeviceBuffer pooled /* (N, H/2, W/2, C) */, DeviceBuffer switches, DeviceBuffer unpooled /* (N, H, W, C) */, int n, int h, int w, int c) =>
        Device.Launch(Device.Kernel("unpool2x2.c", "unpool2x2"), (c, w, n * h), (Math.Min(c, 64), 1, 1), pooled, switches, unpooled, n, h, w, c);

    public void Rectify(DeviceBuffer values, int count) =>
        Device.Launch(Device.Kernel("rectify.c", "rectify"), (count, 1, 1), (64, 1, 1), values, count);

    /// <summary>Transposed conv with Keras-layout (3, 3, Cin, Cout) weights: (N, H, W, Cout) → (N, H, W, Cin).</summary>
    public void ConvTranspose(DeviceBuffer kernel, DeviceBuffer input, DeviceBuffer output, int n, int h, int w, int cin, int cout) =>
        Device.Launch(Device.Kernel("conv_transpose3x3.c", "conv_transpose3x3"), (cin, w, n * h), (Math.Min(cin, 64), 1, 1),
            input, kernel, output, n, h, w, cin, cout);

    internal static int RoundUp(int n, int m) => (n + m - 1) / m * m;
}
