using CnnEngine.Kernels.Ops;
using ILGPU;
using ILGPU.Runtime;

namespace CnnEngine.Kernels.Compute;

/// <summary>
/// The kernels of kernels/Ops loaded on one device, and their launches: each method knows its kernel's launch geometry.
/// Shapes are in the comments as (N, H, W, C). Nothing here copies to or from the host; launches are asynchronous
/// (in order on the device's default stream) until someone reads or calls <see cref="GpuDevice.Synchronize"/>.
/// Kernels are compiled on first use (ILGPU JIT-compiles C# → PTX / OpenCL C / CPU code) and cached per instance.
/// </summary>
public sealed class GpuOps
{
    public GpuDevice Device { get; }
    private Accelerator Acc => Device.Accelerator;

    public GpuOps(GpuDevice device) => Device = device;

    /// <summary>Output channels padded to whole 8-channel blocks, as the regblock and Winograd weights are laid out.</summary>
    public static int PaddedChannels(int channels) => (channels + 7) / 8 * 8;

    // ---- loading (lazy, once) ---------------------------------------------------------------------------------
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>? _naive, _tiled, _regblock;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ConvShape>? _winoIn;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>? _winoGemm, _winoOut;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int>? _maxPool;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>? _dense;
    private Action<KernelConfig, ArrayView<float>, int, int>? _softmax;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int, int>? _unpool;
    private Action<KernelConfig, ArrayView<float>, int>? _rectify;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int>? _rectifyGuided;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>? _convT;

    private T Load<T>(ref T? slot, string name, Func<T> load) where T : class =>
        slot ??= Device.Guard($"compiling {name}", load);

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape> ConvKernel(ConvRung rung) => rung switch
    {
        ConvRung.Naive => Load(ref _naive, "conv3x3 naive", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Conv3x3NaiveKernel.Kernel)),
        ConvRung.Tiled => Load(ref _tiled, "conv3x3 tiled", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Conv3x3TiledKernel.Kernel)),
        _ => Load(ref _regblock, "conv3x3 regblock", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Conv3x3RegBlockKernel.Kernel)),
    };

    /// <summary>Compiles every kernel a forward with <paramref name="rung"/> needs, so a kernel that does not build fails at open.</summary>
    public void Warm(ConvRung rung, bool includeTop)
    {
        ConvKernel(rung == ConvRung.Winograd ? ConvRung.RegBlock : rung);   // winograd runs shallow layers as regblock
        if (rung == ConvRung.Winograd) LoadWinograd();
        LoadMaxPool();
        if (includeTop) { LoadDense(); LoadSoftmax(); }
    }

    private void LoadWinograd()
    {
        Load(ref _winoIn, "winograd input transform", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ConvShape>(Conv3x3WinogradKernel.InputTransform));
        Load(ref _winoGemm, "winograd gemm", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Conv3x3WinogradKernel.Gemm));
        Load(ref _winoOut, "winograd output transform", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Conv3x3WinogradKernel.OutputTransform));
    }

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int> LoadMaxPool() =>
        Load(ref _maxPool, "maxpool2x2", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int>(MaxPool2x2Kernel.Kernel));

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> LoadDense() =>
        Load(ref _dense, "dense", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(DenseKernel.Kernel));

    private Action<KernelConfig, ArrayView<float>, int, int> LoadSoftmax() =>
        Load(ref _softmax, "softmax", () => Acc.LoadStreamKernel<ArrayView<float>, int, int>(SoftmaxKernel.Kernel));

    // ---- launches ---------------------------------------------------------------------------------------------

    /// <summary>A 1-D launch covering <paramref name="threads"/> threads in groups of <paramref name="groupSize"/>.</summary>
    internal static KernelConfig Config(long threads, int groupSize)
    {
        long groups = (threads + groupSize - 1) / groupSize;
        if (threads <= 0) groups = 0;
        if (groups > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(threads), "launch larger than 2³¹ groups: split the batch");
        return new KernelConfig((int)groups, groupSize);
    }

    /// <summary>Kernels index with 32-bit ints: every tensor a launch touches must have fewer than 2³¹ elements.</summary>
    internal static void CheckIndexable(long elements, string what)
    {
        if (elements >= int.MaxValue) throw new ArgumentOutOfRangeException(what, $"{what}: {elements} elements, more than a kernel indexes (2³¹); split the batch");
    }

    /// <summary>
    /// conv 3×3 'same' + bias (+ ReLU) with the rung <paramref name="weights"/> were packed for. Winograd needs scratch
    /// V and M of <see cref="WinogradScratchFloats"/> floats each.
    /// </summary>
    public void Conv(ConvWeights weights, ArrayView<float> input /* (N, H, W, Cin) */, ArrayView<float> output /* (N, H, W, Cout) */,
        int n, int h, int w, bool relu, ArrayView<float> scratchV = default, ArrayView<float> scratchM = default)
    {
        var s = new ConvShape(n, h, w, weights.InChannels, weights.OutChannels, weights.PaddedOut, relu);
        CheckIndexable((long)n * h * w * Math.Max(s.Cin, s.CoutPad), "conv");
        if (n == 0) return;
        switch (weights.Rung)
        {
            case ConvRung.Naive:
                ConvKernel(ConvRung.Naive)(Config(s.Outputs, Conv3x3NaiveKernel.GroupSize), input, weights.Kernel, weights.Bias, output, s);
                break;
            case ConvRung.Tiled:
                ConvKernel(ConvRung.Tiled)(new KernelConfig((int)Conv3x3TiledKernel.Groups(s), Conv3x3TiledKernel.GroupSize), input, weights.Kernel, weights.Bias, output, s);
                break;
            case ConvRung.RegBlock:
                ConvKernel(ConvRung.RegBlock)(Config(Conv3x3RegBlockKernel.Threads(s), Conv3x3RegBlockKernel.GroupSize), input, weights.Kernel, weights.Bias, output, s);
                break;
            case ConvRung.Winograd:
            {
                int tiles = Conv3x3WinogradKernel.Tiles(n, h, w);
                long need = WinogradScratchFloats(n, h, w, Math.Max(s.Cin, s.CoutPad));
                if (scratchV.Length < need || scratchM.Length < need)
                    throw new ArgumentException("winograd conv needs scratch buffers of WinogradScratchFloats floats");
                CheckIndexable(need, "winograd scratch");
                LoadWinograd();
                _winoIn!(Config((long)tiles * s.Cin, Conv3x3WinogradKernel.GroupSize), input, scratchV, s);
                _winoGemm!(Config(Conv3x3WinogradKernel.GemmThreads(tiles, s.CoutPad), Conv3x3WinogradKernel.GroupSize), scratchV, weights.Kernel, scratchM, s);
                _winoOut!(Config((long)tiles * s.Cout, Conv3x3WinogradKernel.GroupSize), scratchM, weights.Bias, output, s);
                break;
            }
        }
    }

    /// <summary>Floats one Winograd scratch buffer (V or M) needs: 16 planes × tiles × channels.</summary>
    public static long WinogradScratchFloats(int n, int h, int w, int channels) => 16L * Conv3x3WinogradKernel.Tiles(n, h, w) * channels;

    public void MaxPool(ArrayView<float> input /* (N, H, W, C) */, ArrayView<float> output /* (N, H/2, W/2, C) */, ArrayView<int> switches,
        int n, int h, int w, int c)
    {
        CheckIndexable((long)n * h * w * c, "maxpool");
        LoadMaxPool()(Config((long)n * (h / 2) * (w / 2) * c, MaxPool2x2Kernel.GroupSize), input, output, switches, n, h, w, c);
    }

    /// <summary>Dense on (N, Cin) with Keras (Cin, Cout) weights.</summary>
    public void Dense(DenseWeights weights, ArrayView<float> input, ArrayView<float> output /* (N, Cout) */, int n, bool relu)
    {
        CheckIndexable((long)n * Math.Max(weights.InFeatures, weights.OutFeatures), "dense");
        LoadDense()(Config((long)n * weights.OutFeatures, DenseKernel.GroupSize), input, weights.Kernel, weights.Bias, output, n, weights.InFeatures, weights.OutFeatures, relu ? 1 : 0);
    }

    public void Softmax(ArrayView<float> values /* (N, K) */, int n, int k)
    {
        if (n == 0) return;
        LoadSoftmax()(new KernelConfig(n, SoftmaxKernel.GroupSize), values, n, k);
    }

    public void Unpool(ArrayView<float> pooled /* (N, H/2, W/2, C) */, ArrayView<int> switches, ArrayView<float> unpooled /* (N, H, W, C) */,
        int n, int h, int w, int c)
    {
        CheckIndexable((long)n * h * w * c, "unpool");
        Load(ref _unpool, "unpool2x2", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int, int>(Unpool2x2Kernel.Kernel))
            (Config((long)n * h * w * c, Unpool2x2Kernel.GroupSize), pooled, switches, unpooled, n, h, w, c);
    }

    public void Rectify(ArrayView<float> values, int count) =>
        Load(ref _rectify, "rectify", () => Acc.LoadStreamKernel<ArrayView<float>, int>(RectifyKernel.Kernel))
            (Config(count, RectifyKernel.GroupSize), values, count);

    /// <summary>Guided rectification: the signal kept where it is &gt; 0 and the forward activation was &gt; 0.</summary>
    public void RectifyGuided(ArrayView<float> values, ArrayView<float> forward, int count) =>
        Load(ref _rectifyGuided, "rectify guided", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int>(RectifyKernel.Guided))
            (Config(count, RectifyKernel.GroupSize), values, forward, count);

    /// <summary>Transposed conv with Keras-layout (3, 3, Cin, Cout) weights: (N, H, W, Cout) → (N, H, W, Cin).</summary>
    public void ConvTranspose(ArrayView<float> kernel, ArrayView<float> input, ArrayView<float> output, int n, int h, int w, int cin, int cout)
    {
        CheckIndexable((long)n * h * w * Math.Max(cin, cout), "conv-transpose");
        Load(ref _convT, "conv-transpose 3x3", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(ConvTranspose3x3Kernel.Kernel))
            (Config((long)n * h * w * cin, ConvTranspose3x3Kernel.GroupSize), input, kernel, output, n, h, w, cin, cout);
    }
}
