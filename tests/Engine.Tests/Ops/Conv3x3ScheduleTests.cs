using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Tests.Ops;

/// <summary>
/// <see cref="Conv3x3"/>'s two task orders (block-major, and pixel-major for layers with few input channels), each
/// forced on every microkernel, over whole batches on the padded path the backends use (<see cref="Conv3x3.RunPadded"/>),
/// against <see cref="Conv3x3ReluScalar"/> image by image: Cin 1…17, Cout 1…70 (one to three 32-channel blocks, every
/// last-block remainder), odd widths around the 14- and 6-pixel tiles, batches 1…3, 1…3 threads, and an output with
/// row and image gaps (as the VGG16 backend's padded layout has) that must stay untouched. Also which order Auto picks.
/// Tolerance 1e-5 of the output's max (only the summation order differs).
/// </summary>
public class Conv3x3ScheduleTests
{
    public enum Schedule { BlockMajor, PixelMajor, Auto }
    public enum Kernel { Vector512, Vector256 }

    private static Conv3x3Schedule ToInternal(Schedule s) => s switch
    {
        Schedule.BlockMajor => Conv3x3Schedule.BlockMajor,
        Schedule.PixelMajor => Conv3x3Schedule.PixelMajor,
        _ => Conv3x3Schedule.Auto,
    };

    private static unsafe double Check(Kernel kernelWidth, Schedule schedule, int n, int h, int w, int cin, int cout, bool relu, int threads, int seed)
    {
        if (kernelWidth == Kernel.Vector512 && !Conv3x3Vector512.IsHardwareAccelerated) return 0;
        float[] input = TestData.Uniform(n * h * w * cin, seed);          // (N, H, W, Cin)
        float[] kernel = TestData.Uniform(9 * cin * cout, seed + 1);      // (3, 3, Cin, Cout)
        float[] bias = TestData.Uniform(cout, seed + 2);                  // (Cout)
        using var packed = PackedConv3x3.Pack(kernel, bias, cin, cout);

        int paddedWidth = Conv3x3.PaddedWidth(w);
        nint paddedImage = (nint)(h + 2) * paddedWidth * cin;
        var padded = new float[n * paddedImage];                          // (N, H + 2, paddedWidth, Cin), zero border
        // Output rows 3 pixels wider than the image and images one row apart: the gaps must not be written.
        nint outRow = (nint)(w + 3) * cout, outImage = (h + 1) * outRow;
        var output = new float[n * outImage];                             // (N, H + 1, W + 3, Cout), image in the top-left
        Array.Fill(output, float.NaN);
        fixed (float* src = input) fixed (float* pad = padded) fixed (float* dst = output)
        {
            for (int i = 0; i < n; i++) Conv3x3.CopyIntoPadded(src + i * h * w * cin, h, w, cin, pad + i * paddedImage, paddedWidth);
            if (kernelWidth == Kernel.Vector512)
                Conv3x3.RunPadded<Conv3x3Vector512>(pad, paddedImage, paddedWidth * cin, n, h, w, packed, dst, outImage, outRow, relu, threads, ToInternal(schedule));
            else
                Conv3x3.RunPadded<Conv3x3Vector256>(pad, paddedImage, paddedWidth * cin, n, h, w, packed, dst, outImage, outRow, relu, threads, ToInternal(schedule));
        }

        var expected = new float[n * h * w * cout];                       // (N, H, W, Cout)
        var actual = new float[expected.Length];
        for (int i = 0; i < n; i++)
        {
            Conv3x3ReluScalar.Run(input.AsSpan(i * h * w * cin, h * w * cin), h, w, cin, kernel, bias, cout, expected.AsSpan(i * h * w * cout, h * w * cout), relu);
            for (int y = 0; y <= h; y++)
            for (int x = 0; x < w + 3; x++)
            for (int c = 0; c < cout; c++)
            {
                float v = output[i * outImage + y * outRow + x * cout + c];
                if (y < h && x < w) actual[((i * h + y) * w + x) * cout + c] = v;
                else Assert.True(float.IsNaN(v), $"{schedule} wrote outside the image at n={i} y={y} x={x} c={c}");
            }
        }
        return Compare.AssertClose(expected, actual, 1e-5, $"{kernelWidth} {schedule} n={n} {h}x{w}x{cin}->{cout} relu={relu} threads={threads}");
    }

    [Theory]
    [InlineData(Kernel.Vector512, Schedule.BlockMajor)]
    [InlineData(Kernel.Vector512, Schedule.PixelMajor)]
    [InlineData(Kernel.Vector512, Schedule.Auto)]
    [InlineData(Kernel.Vector256, Schedule.BlockMajor)]
    [InlineData(Kernel.Vector256, Schedule.PixelMajor)]
    [InlineData(Kernel.Vector256, Schedule.Auto)]
    public void EveryChannelCount1To17_Batches(Kernel kernel, Schedule schedule)
    {
        int[] widths = [1, 3, 5, 6, 7, 13, 14, 15, 29, 31];
        int seed = 3000;
        for (int cin = 1; cin <= 17; cin++)
        {
            int cout = 1 + (cin * 29) % 70; // 30, 59, 18, 47, 6, 35, 64, … : one to three blocks, every remainder class
            int w = widths[cin % widths.Length];
            Check(kernel, schedule, n: 1 + cin % 3, h: 2 + cin % 5, w, cin, cout, relu: cin % 2 == 0, threads: 1 + cin % 3, seed);
            seed += 3;
        }
    }

    /// <summary>The shape that made pixel-major worth having (64×64×3→128, here on a smaller image) and VGG16's block1_conv1 (3→64).</summary>
    [Theory]
    [InlineData(Kernel.Vector512, Schedule.PixelMajor)]
    [InlineData(Kernel.Vector512, Schedule.BlockMajor)]
    [InlineData(Kernel.Vector256, Schedule.PixelMajor)]
    public void FewInputChannelsManyBlocks(Kernel kernel, Schedule schedule)
    {
        Check(kernel, schedule, n: 3, h: 9, w: 29, cin: 3, cout: 128, relu: true, threads: 2, seed: 3100);
        Check(kernel, schedule, n: 2, h: 5, w: 31, cin: 3, cout: 64, relu: false, threads: 3, seed: 3110);
        Check(kernel, schedule, n: 2, h: 7, w: 17, cin: 1, cout: 97, relu: true, threads: 1, seed: 3120);
    }

    [Fact]
    public void AutoIsPixelMajorOnlyForSeveralBlocksWithWeightsThatFitL1()
    {
        Conv3x3Schedule Auto(int cin, int cout)
        {
            using var packed = PackedConv3x3.Pack(new float[9 * cin * cout], new float[cout], cin, cout);
            return Conv3x3.ChooseSchedule(packed);
        }
        Assert.Equal(Conv3x3Schedule.PixelMajor, Auto(3, 128));   // 13.8 KB of weights, 4 blocks
        Assert.Equal(Conv3x3Schedule.PixelMajor, Auto(3, 64));    // VGG16 block1_conv1
        Assert.Equal(Conv3x3Schedule.PixelMajor, Auto(1, 64));
        Assert.Equal(Conv3x3Schedule.BlockMajor, Auto(3, 32));    // one block: nothing to reorder
        Assert.Equal(Conv3x3Schedule.BlockMajor, Auto(1, 17));
        Assert.Equal(Conv3x3Schedule.BlockMajor, Auto(64, 64));   // VGG16 block1_conv2: 147 KB of weights
        Assert.Equal(Conv3x3Schedule.BlockMajor, Auto(16, 64));   // 36.9 KB: just over the gate
        Assert.Equal(Conv3x3Schedule.PixelMajor, Auto(14, 64));   // 32.3 KB → 14·9·64·4 = 32 256 ≤ 32 768
    }
}
