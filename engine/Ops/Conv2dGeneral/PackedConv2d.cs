using System.Buffers;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>Which kernel a <see cref="PackedConv2d"/> runs: chosen by the layer's shape, or forced (tests, benchmarks).</summary>
public enum ConvKernel { Auto, Direct3x3, Gemm }

/// <summary>
/// One Conv2D layer's weights packed at load for the kernel that runs it: 3×3 stride-1 'same' convolutions on VGG16's
/// register-blocked direct kernel (<see cref="Conv3x3"/>, ReLU fused when asked, a batch in one pass) when the row
/// width suits its 14-pixel tiles, every other window (and 3×3 on widths that would waste over a fifth of the direct
/// kernel's work on overlapping tiles, e.g. 15 or 30) on the general im2col + GEMM kernel (<see cref="Conv2dGeneral"/>).
/// The CPU backend and the benchmarks call this, so what is timed is what runs.
/// </summary>
public sealed class PackedConv2d : IDisposable
{
    private readonly PackedConv3x3? _direct;
    private readonly PackedGemmWeights? _gemm;

    public Window2D Window { get; }
    public int InChannels { get; }
    public int OutChannels { get; }

    /// <summary>"direct 3×3" or "im2col + GEMM": which kernel runs this layer.</summary>
    public string KernelName => _direct is not null ? "direct 3×3" : "im2col + GEMM";

    /// <summary>True when the ReLU is applied inside the kernel (the direct 3×3 one); the general kernel writes the plain sum.</summary>
    public bool FusesRelu => _direct is not null;

    /// <param name="kernel">(KH, KW, Cin, Cout), Keras layout.</param>
    /// <param name="bias">(Cout), or empty for none.</param>
    /// <param name="inputWidth">The layer's input width W (the direct kernel's tiles suit some widths better than others).</param>
    public PackedConv2d(Window2D window, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int inChannels, int outChannels,
        int inputWidth, ConvKernel choice = ConvKernel.Auto)
    {
        Window = window; InChannels = inChannels; OutChannels = outChannels;
        if (choice == ConvKernel.Direct3x3 && !IsSame3x3(window)) throw new ArgumentException($"conv: the direct 3×3 kernel cannot run window {window}");
        bool direct = choice switch
        {
            ConvKernel.Direct3x3 => true,
            ConvKernel.Gemm => false,
            _ => IsSame3x3(window) && DirectTileWaste(inputWidth) <= 1.2,
        };
        if (direct) _direct = PackedConv3x3.Pack(kernel, bias.Length == 0 ? new float[outChannels] : bias, inChannels, outChannels);
        else _gemm = PackedGemmWeights.Pack(kernel, bias, window.KernelH * window.KernelW * inChannels, outChannels);
    }

    /// <summary>True when VGG16's direct kernel applies: 3×3, stride 1, one zero pixel on every side.</summary>
    public static bool IsSame3x3(Window2D w) => w is { KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1 };

    /// <summary>Pixels the direct kernel computes per output pixel of a row: its tiles cover ceil(W / tile)·tile pixels.</summary>
    private static double DirectTileWaste(int width)
    {
        int tile = Vector512.IsHardwareAccelerated ? Conv3x3Vector512.TilePixels : Conv3x3Vector256.TilePixels;
        return width < 1 ? double.PositiveInfinity : (double)((width + tile - 1) / tile * tile) / width;
    }

    /// <param name="input">(N, H, W, Cin).</param>
    /// <param name="output">(N, OH, OW, Cout).</param>
    /// <param name="relu">Apply ReLU; only honoured when <see cref="FusesRelu"/> (callers apply activations otherwise).</param>
    public void Run(ReadOnlySpan<float> input, int images, int height, int width, Span<float> output, bool relu = false, int threads = 0)
    {
        if (_gemm is not null)
        {
            Conv2dGeneral.Run(input, images, height, width, InChannels, Window, _gemm, output, threads);
            return;
        }
        int inPer = height * width * InChannels, outPer = height * width * OutChannels;
        if (images < 1 || input.Length < (long)images * inPer || output.Length < (long)images * outPer)
            throw new ArgumentException($"conv: buffers shorter than {images} images of ({height}, {width}, {InChannels}) → ({height}, {width}, {OutChannels})");
        RunDirect(input, images, height, width, output, relu, threads);
    }

    /// <summary>The whole batch in one pass of the direct kernel: pad every image once, then one task list over (block, image, row band).</summary>
    private unsafe void RunDirect(ReadOnlySpan<float> input, int images, int height, int width, Span<float> output, bool relu, int threads)
    {
        int cin = InChannels, paddedWidth = Conv3x3.PaddedWidth(width);
        nint paddedImage = (nint)(height + 2) * paddedWidth * cin;
        float[] padded = ArrayPool<float>.Shared.Rent(checked((int)(images * paddedImage))); // (N, H + 2, paddedWidth, Cin)
        try
        {
            fixed (float* src = input) fixed (float* dst = padded) fixed (float* outp = output)
            {
                for (int i = 0; i < images; i++)
                    Conv3x3.CopyIntoPadded(src + (nint)i * height * width * cin, height, width, cin, dst + i * paddedImage, paddedWidth);
                Conv3x3.RunPadded(dst, paddedImage, (nint)paddedWidth * cin, images, height, width, _direct!, outp,
                    (nint)height * width * OutChannels, (nint)width * OutChannels, relu, threads);
            }
        }
        finally { ArrayPool<float>.Shared.Return(padded); }
    }

    public void Dispose()
    {
        _direct?.Dispose();
        _gemm?.Dispose();
    }
}
