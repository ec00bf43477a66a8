using System.Runtime.Intrinsics;
using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Parity.Tests;

/// <summary>
/// The CPU engine's SIMD ops (the drivers, and each Vector256/Vector512 body this machine can run) against the
/// committed PyTorch tensors of tests/fixtures/tiny/, with the same tolerances as the scalar oracles
/// (<see cref="TinyOpsOracleTests"/>): sums 1e-5 of max |value|, pool values and switches exact (ties included).
/// A body this CPU cannot run is reported as skipped, not passed.
/// </summary>
public class TinyOpsSimdTests
{
    public static TheoryData<string> ConvCases => TinyOpsOracleTests.ConvCases;
    public static TheoryData<string> PoolCases => TinyOpsOracleTests.PoolCases;
    public static TheoryData<string> DenseCases => TinyOpsOracleTests.DenseCases;
    public static TheoryData<string> SoftmaxCases => TinyOpsOracleTests.SoftmaxCases;

    private delegate void ConvBody(ReadOnlySpan<float> input, int h, int w, PackedConv3x3 conv, Span<float> output, bool relu);
    private delegate void PoolBody(ReadOnlySpan<float> input, int h, int w, int c, Span<float> output, Span<int> switches);
    private delegate void DenseBody(ReadOnlySpan<float> input, int n, int cin, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int cout, Span<float> output, bool relu);

    private static void Require(string body)
    {
        bool ok = body switch
        {
            "Vector512" => Vector512.IsHardwareAccelerated,
            "Vector256" => Vector256.IsHardwareAccelerated,
            _ => true,
        };
        Skip.IfNot(ok, $"skipped: {body} is not hardware-accelerated on this CPU");
    }

    private static ConvBody Conv(string body) => body switch
    {
        "Vector512" => (i, h, w, p, o, r) => Conv3x3Vector512.Run(i, h, w, p, o, r),
        "Vector256" => (i, h, w, p, o, r) => Conv3x3Vector256.Run(i, h, w, p, o, r),
        _ => (i, h, w, p, o, r) => Conv3x3.Run(i, h, w, p, o, r),
    };

    private static PoolBody Pool(string body) => body switch
    {
        "Vector512" => MaxPool2x2Vector512.Run,
        "Vector256" => MaxPool2x2Vector256.Run,
        _ => MaxPool2x2.Run,
    };

    private static DenseBody DenseOp(string body) => body switch
    {
        "Vector512" => DenseVector512.Run,
        "Vector256" => DenseVector256.Run,
        _ => Dense.Run,
    };

    public static TheoryData<string, string> ConvByBody => Cross(ConvCases);
    public static TheoryData<string, string> PoolByBody => Cross(PoolCases);
    public static TheoryData<string, string> DenseByBody => Cross(DenseCases);

    private static TheoryData<string, string> Cross(TheoryData<string> cases)
    {
        var data = new TheoryData<string, string>();
        foreach (var body in new[] { "driver", "Vector512", "Vector256" })
            foreach (string row in cases) data.Add(body, row);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(ConvByBody))]
    public void Conv3x3_matches_pytorch(string body, string name)
    {
        Require(body);
        var c = TinyOpsOracleTests.ConvCase(name);
        var packed = PackedConv3x3.Pack(c.Kernel, c.Bias, c.Cin, c.Cout);
        foreach (bool relu in new[] { true, false })
        {
            var output = new float[c.H * c.W * c.Cout];
            Conv(body)(c.Input, c.H, c.W, packed, output, relu);
            Compare.AssertClose(TinyFixtures.Floats($"conv_{name}_{(relu ? "output" : "output_norelu")}"), output,
                TinyOpsOracleTests.SumTolerance, $"{body} conv {name} relu={relu}");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(PoolByBody))]
    public void MaxPool2x2_matches_pytorch_values_and_tie_switches(string body, string name)
    {
        Require(body);
        var input = TinyFixtures.Load($"pool_{name}_input");
        int h = input.Shape[0], w = input.Shape[1], ch = input.Shape[2];
        var output = new float[(h / 2) * (w / 2) * ch];
        var switches = new int[output.Length];
        Pool(body)(input.AsFloat32(), h, w, ch, output, switches);
        Assert.Equal(TinyFixtures.Floats($"pool_{name}_output"), output);
        Assert.Equal(TinyFixtures.Ints($"pool_{name}_switches"), switches);
    }

    [SkippableTheory]
    [MemberData(nameof(DenseByBody))]
    public void Dense_matches_pytorch(string body, string name)
    {
        Require(body);
        var input = TinyFixtures.Load($"dense_{name}_input");
        var kernel = TinyFixtures.Load($"dense_{name}_kernel");
        int n = input.Shape[0], cin = input.Shape[1], cout = kernel.Shape[1];
        foreach (bool relu in new[] { true, false })
        {
            var output = new float[n * cout];
            DenseOp(body)(input.AsFloat32(), n, cin, kernel.AsFloat32(), TinyFixtures.Floats($"dense_{name}_bias"), cout, output, relu);
            Compare.AssertClose(TinyFixtures.Floats($"dense_{name}_{(relu ? "output" : "output_norelu")}"), output,
                TinyOpsOracleTests.SumTolerance, $"{body} dense {name} relu={relu}");
        }
    }

    [Theory]
    [MemberData(nameof(SoftmaxCases))]
    public void Softmax_matches_pytorch(string name)
    {
        var input = TinyFixtures.Load($"softmax_{name}_input");
        float[] values = input.AsFloat32();
        Softmax.Run(values, input.Shape[0], input.Shape[1]);
        Compare.AssertClose(TinyFixtures.Floats($"softmax_{name}_output"), values, 1e-6, $"softmax {name}");
    }
}
