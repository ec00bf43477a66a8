using CnnEngine.Kernels.Compute;
using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// Every rung of the conv ladder, on ILGPU's CPU accelerator, against <see cref="Conv3x3ReluScalar"/> on awkward
/// sizes: odd widths and heights, 1×1 images, every channel count 1..17 in and out, sizes that are not multiples of
/// the group, the tile (8×2 pixels, 16 channels, 16-channel input slices), the register block (4 pixels, 8 channels)
/// or the Winograd tile, batches. Tolerance 1e-5 of the output's largest magnitude for the direct rungs (only the
/// summation order differs), 1e-4 for Winograd (its transforms round a little more).
/// </summary>
[Collection("Emulator")]
public sealed class ConvLadderTests(EmulatorFixture emulator)
{
    public static TheoryData<string> Rungs => new() { "naive", "tiled", "regblock", "winograd" };

    [Theory]
    [MemberData(nameof(Rungs))]
    public void EveryChannelCountFrom1To17(string rungName)
    {
        var ops = emulator.Ops;
        var rung = ConvRungs.Parse(rungName, ConvRung.Naive);
        for (int c = 1; c <= 17; c++)
            Check(ops, rung, n: 1, h: 5 + c % 3, w: 3 + c % 5, cin: c, cout: 18 - c, relu: c % 2 == 0, seed: c);
    }

    [Theory]
    [MemberData(nameof(Rungs))]
    public void AwkwardShapes(string rungName)
    {
        var ops = emulator.Ops;
        var rung = ConvRungs.Parse(rungName, ConvRung.Naive);
        Check(ops, rung, 1, 1, 1, 1, 1, true, 1);       // a single pixel: all 8 neighbours are padding
        Check(ops, rung, 1, 1, 9, 3, 5, true, 2);       // one row
        Check(ops, rung, 1, 13, 1, 4, 6, false, 3);     // one column
        Check(ops, rung, 2, 7, 15, 16, 33, true, 4);    // batch 2; 33 = one full 32-channel block + 1
        Check(ops, rung, 1, 9, 23, 35, 64, true, 5);    // 23 = 3·7 + 2 pixels; odd tile counts for Winograd
        Check(ops, rung, 3, 4, 8, 64, 40, true, 6);     // batch 3, Cout not a multiple of 16
    }

    [Fact]
    public void WeightsPaddedToWholeBlocksNeverLeakIntoTheOutput()
    {
        // Cout 9 and 17: one or two channels into a second/third 8-channel block; the padding columns are zero and
        // must not be stored (the output buffer is exactly N·H·W·Cout, a store past it would corrupt the next pixel).
        foreach (var rung in new[] { ConvRung.RegBlock, ConvRung.Winograd })
        {
            Check(emulator.Ops, rung, 1, 3, 5, 7, 9, false, 31);
            Check(emulator.Ops, rung, 2, 5, 3, 3, 17, true, 32);
        }
    }

    internal static void Check(GpuOps ops, ConvRung rung, int n, int h, int w, int cin, int cout, bool relu, int seed)
    {
        var d = ops.Device;
        float[] input = DeviceRun.Random(seed, (long)n * h * w * cin);             // (N, H, W, Cin)
        float[] kernel = DeviceRun.Random(seed + 100, 9L * cin * cout, 0.5f);     // (3, 3, Cin, Cout)
        float[] bias = DeviceRun.Random(seed + 200, cout, 0.2f);
        var expected = new float[(long)n * h * w * cout];                          // (N, H, W, Cout)
        for (int i = 0; i < n; i++)
            Conv3x3ReluScalar.Run(input.AsSpan(i * h * w * cin, h * w * cin), h, w, cin, kernel, bias, cout,
                expected.AsSpan(i * h * w * cout, h * w * cout), relu);

        using var weights = new ConvWeights(ops, rung, kernel, bias, cin, cout);
        using var x = DeviceRun.Upload(d, input);
        using var y = d.Allocate<float>(expected.Length);
        long scratch = GpuOps.WinogradScratchFloats(n, h, w, Math.Max(cin, GpuOps.PaddedChannels(cout)));
        using var v = d.Allocate<float>(scratch);
        using var m = d.Allocate<float>(scratch);
        ops.Conv(weights, x.View, y.View, n, h, w, relu, v.View, m.View);
        float[] actual = DeviceRun.Download(y, expected.Length);
        Compare.AssertClose(expected, actual, rung == ConvRung.Winograd ? 1e-4 : 1e-5,
            $"conv {ConvRungs.Name(rung)} N={n} H={h} W={w} Cin={cin} Cout={cout} relu={relu}");
    }
}
