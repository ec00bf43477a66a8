using CnnEngine.Kernels.Ops;
using CnnEngine.Ops;
using ILGPU;
using ILGPU.Runtime;

namespace CnnEngine.Kernels.Compute;

/// <summary>
/// The kernels a user's own CNN needs beyond VGG16's (general conv, general pools, activations, affine, zero padding,
/// global pools), loaded on one device, with their launches — the companion of <see cref="GpuOps"/>, whose dense and
/// softmax kernels the model backend reuses. Same rules: asynchronous launches, compiled on first use, 1-D grids.
/// </summary>
public sealed class GpuCnnOps
{
    public GpuDevice Device { get; }
    private Accelerator Acc => Device.Accelerator;

    public GpuCnnOps(GpuDevice device) => Device = device;

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowShape, ActivationSpec>? _conv;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<int>, WindowShape>? _maxPool;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, WindowShape>? _avgPool, _zeroPad;
    private Action<KernelConfig, ArrayView<float>, int, ActivationSpec>? _activation;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>? _affine;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int, int>? _globalPool;

    private T Load<T>(ref T? slot, string name, Func<T> load) where T : class =>
        slot ??= Device.Guard($"compiling {name}", load);

    /// <summary>Compiles every kernel of this class now, so one that does not build fails when the backend opens.</summary>
    public void WarmAll()
    {
        LoadConv(); LoadMaxPool(); LoadAvgPool(); LoadZeroPad(); LoadActivation(); LoadAffine(); LoadGlobalPool();
    }

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowShape, ActivationSpec> LoadConv() =>
        Load(ref _conv, "conv2d general", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowShape, ActivationSpec>(Conv2dGeneralKernel.Kernel));
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<int>, WindowShape> LoadMaxPool() =>
        Load(ref _maxPool, "maxpool2d general", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<int>, WindowShape>(MaxPool2dKernel.Kernel));
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, WindowShape> LoadAvgPool() =>
        Load(ref _avgPool, "avgpool2d", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, WindowShape>(AvgPool2dKernel.Kernel));
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, WindowShape> LoadZeroPad() =>
        Load(ref _zeroPad, "zero padding", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, WindowShape>(ZeroPadKernel.Kernel));
    private Action<KernelConfig, ArrayView<float>, int, ActivationSpec> LoadActivation() =>
        Load(ref _activation, "activation", () => Acc.LoadStreamKernel<ArrayView<float>, int, ActivationSpec>(ActivationKernel.Kernel));
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> LoadAffine() =>
        Load(ref _affine, "channel affine", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(ChannelAffineKernel.Kernel));
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int, int> LoadGlobalPool() =>
        Load(ref _globalPool, "global pool", () => Acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int, int>(GlobalPoolKernel.Kernel));

    /// <summary>
    /// Conv of any window: (N, H, W, Cin) → (N, OH, OW, Cout) with Keras (KH, KW, Cin, Cout) weights, bias (Cout), then
    /// the element-wise part of <paramref name="activation"/> (a softmax is the caller's: <see cref="GpuOps.Softmax"/>).
    /// </summary>
    public void Conv(ArrayView<float> input, ArrayView<float> weights, ArrayView<float> bias, ArrayView<float> output,
        int n, int h, int w, int cin, int cout, Window2D window, ActivationFunction activation)
    {
        var s = new WindowShape(n, h, w, cin, cout, window);
        CheckWindow(window, h, w, "conv");
        GpuOps.CheckIndexable(Math.Max(s.Inputs, s.Outputs), "conv2d");
        GpuOps.CheckIndexable((long)window.KernelH * window.KernelW * cin * cout, "conv2d weights");
        LoadConv()(GpuOps.Config(s.Outputs, Conv2dGeneralKernel.GroupSize), input, weights, bias, output, s, ActivationSpec.Of(activation));
    }

    /// <summary>Max pool of any window with switches (y·W + x in each channel's input plane, ties top-left first).</summary>
    public void MaxPool(ArrayView<float> input, ArrayView<float> output, ArrayView<int> switches, int n, int h, int w, int c, Window2D window)
    {
        var s = new WindowShape(n, h, w, c, c, window);
        CheckPoolWindow(window, h, w);
        GpuOps.CheckIndexable(Math.Max(s.Inputs, s.Outputs), "maxpool2d");
        LoadMaxPool()(GpuOps.Config(s.Outputs, MaxPool2dKernel.GroupSize), input, output, switches, s);
    }

    /// <summary>Average pool of any window; border windows average only their cells inside the image (Keras 'same').</summary>
    public void AvgPool(ArrayView<float> input, ArrayView<float> output, int n, int h, int w, int c, Window2D window)
    {
        var s = new WindowShape(n, h, w, c, c, window);
        CheckPoolWindow(window, h, w);
        GpuOps.CheckIndexable(Math.Max(s.Inputs, s.Outputs), "avgpool2d");
        LoadAvgPool()(GpuOps.Config(s.Outputs, AvgPool2dKernel.GroupSize), input, output, s);
    }

    /// <summary>Zero border: (N, H, W, C) → (N, H + top + bottom, W + left + right, C).</summary>
    public void ZeroPad(ArrayView<float> input, ArrayView<float> output, int n, int h, int w, int c, int top, int bottom, int left, int right)
    {
        if (top < 0 || bottom < 0 || left < 0 || right < 0) throw new ArgumentException("zero padding must not be negative");
        // As a window: a 1×1 "kernel" with stride 1 whose padding is the border gives exactly the padded output size.
        var s = new WindowShape(n, h, w, c, c, new Window2D(1, 1, 1, 1, top, bottom, left, right));
        GpuOps.CheckIndexable(s.Outputs, "zero padding");
        LoadZeroPad()(GpuOps.Config(s.Outputs, ZeroPadKernel.GroupSize), input, output, s);
    }

    /// <summary>An element-wise activation in place (softmax is not element-wise: use <see cref="GpuOps.Softmax"/>).</summary>
    public void Activate(ArrayView<float> values, int count, ActivationFunction activation)
    {
        if (activation.Kind == ActivationKind.Softmax) throw new ArgumentException("softmax is not element-wise: run GpuOps.Softmax");
        if (activation.IsLinear || count == 0) return;
        LoadActivation()(GpuOps.Config(count, ActivationKernel.GroupSize), values, count, ActivationSpec.Of(activation));
    }

    /// <summary>y = x·scale[c] + shift[c] over (…, C), scale and shift (C) on the device.</summary>
    public void ChannelAffine(ArrayView<float> input, ArrayView<float> output, ArrayView<float> scale, ArrayView<float> shift, int count, int channels)
    {
        if (channels < 1) throw new ArgumentException("channel affine needs at least one channel");
        LoadAffine()(GpuOps.Config(count, ChannelAffineKernel.GroupSize), input, output, scale, shift, count, channels);
    }

    /// <summary>Global average or max over H·W: (N, H, W, C) → (N, C).</summary>
    public void GlobalPool(ArrayView<float> input, ArrayView<float> output, int n, int pixels, int channels, bool max)
    {
        GpuOps.CheckIndexable((long)n * pixels * channels, "global pool");
        LoadGlobalPool()(GpuOps.Config((long)n * channels, GlobalPoolKernel.GroupSize), input, output, n, pixels, channels, max ? 1 : 0);
    }

    private static void CheckWindow(Window2D window, int h, int w, string what)
    {
        if (window.KernelH < 1 || window.KernelW < 1 || window.StrideH < 1 || window.StrideW < 1 || window.PadTop < 0 || window.PadLeft < 0
            || window.PadBottom < 0 || window.PadRight < 0)
            throw new ArgumentException($"{what}: window {window} must have positive sizes and strides and no negative padding");
        if (!window.Fits(h, w)) throw new ArgumentException($"{what}: window {window} does not fit a {h}×{w} input");
    }

    private static void CheckPoolWindow(Window2D window, int h, int w)
    {
        CheckWindow(window, h, w, "pool");
        if (window.PadTop >= window.KernelH || window.PadBottom >= window.KernelH || window.PadLeft >= window.KernelW || window.PadRight >= window.KernelW)
            throw new ArgumentException($"pool: padding {window} as large as the window would leave empty windows");
    }
}
