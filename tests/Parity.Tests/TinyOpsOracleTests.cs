using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Parity.Tests;

/// <summary>
/// The scalar oracles (engine/Ops/*/*Scalar.cs) against the committed PyTorch tensors of tests/fixtures/tiny/.
/// The oracles are what every fast path is tested against, so they are themselves tested against PyTorch here.
/// Tolerances: 1e-5 of the output's max |value| for sums of at most 9·19 products (float32 rounding is ~1e-7 per
/// step, PyTorch sums in another order); pool values and switches exact (ties included).
/// </summary>
public class TinyOpsOracleTests
{
    public const double SumTolerance = 1e-5;

    public static TheoryData<string> ConvCases => new() { "7x5x3_4", "9x6x17_5", "1x1x1_1", "3x11x8_19", "5x3x19_33" };
    public static TheoryData<string> PoolCases => new() { "7x9x5", "4x4x17", "3x2x1" };
    public static TheoryData<string> DenseCases => new() { "13_7", "b3_40_33" };
    public static TheoryData<string> SoftmaxCases => new() { "2x11", "huge", "1x1" };

    internal static (float[] Input, int H, int W, int Cin, float[] Kernel, float[] Bias, int Cout) ConvCase(string name)
    {
        var input = TinyFixtures.Load($"conv_{name}_input");
        var kernel = TinyFixtures.Load($"conv_{name}_kernel");
        Assert.Equal(4, kernel.Shape.Length);
        return (input.AsFloat32(), input.Shape[0], input.Shape[1], input.Shape[2],
            kernel.AsFloat32(), TinyFixtures.Floats($"conv_{name}_bias"), kernel.Shape[3]);
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv3x3ReluScalar_matches_pytorch(string name)
    {
        var c = ConvCase(name);
        foreach (bool relu in new[] { true, false })
        {
            var output = new float[c.H * c.W * c.Cout];
            Conv3x3ReluScalar.Run(c.Input, c.H, c.W, c.Cin, c.Kernel, c.Bias, c.Cout, output, relu);
            float[] expected = TinyFixtures.Floats($"conv_{name}_{(relu ? "output" : "output_norelu")}");
            Compare.AssertClose(expected, output, SumTolerance, $"conv {name} relu={relu}");
        }
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void MaxPool2x2Scalar_matches_pytorch_values_and_tie_switches(string name)
    {
        var input = TinyFixtures.Load($"pool_{name}_input");
        int h = input.Shape[0], w = input.Shape[1], ch = input.Shape[2];
        var output = new float[(h / 2) * (w / 2) * ch];
        var switches = new int[output.Length];
        MaxPool2x2Scalar.Run(input.AsFloat32(), h, w, ch, output, switches);
        Assert.Equal(TinyFixtures.Floats($"pool_{name}_output"), output);
        Assert.Equal(TinyFixtures.Ints($"pool_{name}_switches"), switches);
    }

    [Theory]
    [MemberData(nameof(DenseCases))]
    public void DenseScalar_matches_pytorch(string name)
    {
        var input = TinyFixtures.Load($"dense_{name}_input");
        var kernel = TinyFixtures.Load($"dense_{name}_kernel");
        int n = input.Shape[0], cin = input.Shape[1], cout = kernel.Shape[1];
        foreach (bool relu in new[] { true, false })
        {
            var output = new float[n * cout];
            DenseScalar.Run(input.AsFloat32(), n, cin, kernel.AsFloat32(), TinyFixtures.Floats($"dense_{name}_bias"), cout, output, relu);
            Compare.AssertClose(TinyFixtures.Floats($"dense_{name}_{(relu ? "output" : "output_norelu")}"), output, SumTolerance, $"dense {name} relu={relu}");
        }
    }

    [Theory]
    [MemberData(nameof(SoftmaxCases))]
    public void SoftmaxScalar_matches_pytorch(string name)
    {
        var input = TinyFixtures.Load($"softmax_{name}_input");
        float[] values = input.AsFloat32();
        SoftmaxScalar.Run(values, input.Shape[0], input.Shape[1]);
        Compare.AssertClose(TinyFixtures.Floats($"softmax_{name}_output"), values, 1e-6, $"softmax {name}");
    }

    [Fact]
    public void Fixtures_stay_small()
    {
        long bytes = new DirectoryInfo(TinyFixtures.Dir).EnumerateFiles().Where(f => f.Extension is ".npy" or ".json").Sum(f => f.Length);
        Assert.True(bytes < 200 * 1024, $"committed tiny fixtures are {bytes} bytes, the budget is 200 KB");
    }
}
