using CnnEngine.Kernels.Deconv;
using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Kernels.Tests;

/// <summary><see cref="GpuDeconvOps"/> on OpenCL against the scalar oracles: single ops, and a whole descent from block3_conv1.</summary>
[Collection("OpenCL")]
public sealed class DeconvOpsTests(OpenClFixture cl)
{
    private static readonly Lazy<Vgg16Weights> Weights = new(() => Vgg16Weights.Random(9, includeTop: false));

    [SkippableFact]
    public void DescentFromBlock3MatchesTheOracles()
    {
        cl.Require();
        const int H = 37, W = 42;   // odd sizes: pools drop a row/column
        var weights = Weights.Value;
        // Forward with the oracles to get real switches, then seed block3_conv1 with random values.
        var forward = ScalarForward.Run(weights, DeviceRun.Random(1, H * W * 3, 100f), H, W);
        var switches = forward.Switches.Where(kv => kv.Key is "block1_pool" or "block2_pool").ToDictionary(kv => kv.Key, kv => kv.Value);
        int[] seedShape = forward.Shapes["block3_conv1"];
        float[] seed = DeviceRun.Random(2, seedShape[1] * seedShape[2] * seedShape[3]);

        // The same descent with the oracles: rectify + transpose at convs, unpool at pools.
        float[] signal = (float[])seed.Clone();
        var layers = Vgg16Architecture.ConvBase.TakeWhile(l => l.Name != "block3_conv2").Reverse().ToList();
        foreach (var layer in layers)
        {
            var shape = forward.Shapes[layer.Name];
            int h = shape[1], w = shape[2];
            if (layer.IsConv)
            {
                RectifyScalar.Run(signal);
                var below = new float[h * w * layer.InChannels];
                ConvTranspose3x3Scalar.Run(signal, h, w, layer.OutChannels, weights[layer.Name].Kernel.Span, layer.InChannels, below);
                signal = below;
            }
            else
            {
                int ih = layer.Name == "block1_pool" ? H : forward.Shapes["block1_pool"][1], iw = layer.Name == "block1_pool" ? W : forward.Shapes["block1_pool"][2];
                var up = new float[ih * iw * layer.OutChannels];
                Unpool2x2Scalar.Run(signal, switches[layer.Name], ih, iw, layer.OutChannels, up);
                signal = up;
            }
        }

        using var ops = Devices.OpenDeconvOps("opencl:0", weights);
        float[] pixels = ops.Down("block3_conv1", seed, switches, H, W);
        Compare.AssertClose(signal, pixels, 1e-5, "descent from block3_conv1");
    }

    [SkippableFact]
    public void SingleOpsMatchTheOraclesAndForeignSwitchesAreRefused()
    {
        cl.Require();
        using var ops = Devices.OpenDeconvOps("opencl", Weights.Value);
        float[] signal = DeviceRun.Random(3, 5 * 7 * 64);
        var expected = new float[5 * 7 * 64];
        ConvTranspose3x3Scalar.Run(signal, 5, 7, 64, Weights.Value["block1_conv2"].Kernel.Span, 64, expected);
        Compare.AssertClose(expected, ops.ConvTranspose("block1_conv2", signal, 5, 7), 1e-5, "conv-transpose block1_conv2");

        float[] values = { -1, 0, 3, float.NaN, -0.5f };
        float[] rectified = (float[])values.Clone();
        RectifyScalar.Run(rectified);
        ops.Rectify(values);
        Assert.Equal(rectified, values);

        float[] pooled = { 1, 2 };
        int[] switches = { 0, 3 };                // a 2×4 plane: pooled (0,0) from x=0, (0,1) from x=3
        var unpooled = new float[8];
        Unpool2x2Scalar.Run(pooled, switches, 2, 4, 1, unpooled);
        Assert.Equal(unpooled, ops.Unpool(pooled, switches, 2, 4, 1));
        var e = Assert.Throws<ArgumentException>(() => ops.Unpool(pooled, new[] { 0, 1 }, 2, 4, 1));   // 1 is in the first window, not the second
        Assert.Contains("outside its 2×2 window", e.Message);
    }
}
