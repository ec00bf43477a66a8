using CnnEngine.Backends.Cpu;
using CnnEngine.Backends.Reference;
using CnnEngine.Deconv;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;

namespace CnnEngine.Tests.Backends;

/// <summary>
/// What changes with the batch: the first block runs in chunks of half the batch when no tap wants its layers
/// (less memory), block4_conv2/3 switch to packed F(4×4, 3×3) from <see cref="ConvAlgorithmChoice.LargeBatch"/>
/// images on, and taps that lend their arrays (<see cref="ILayerBufferLender"/>) get them back filled. Checked against
/// the scalar-oracle forward (<see cref="ScalarBackend"/>) at 1e-4 of each layer's max, and against the unchunked path
/// of the same backend bit for bit.
/// </summary>
public class CpuBackendBatchTests
{
    private const double Tolerance = 1e-4;
    private static readonly string[] DeepLayers = { "block2_conv1", "block3_pool", "block4_conv2", "block4_conv3", "block5_conv3" };
    private static Lazy<Vgg16Weights> SharedWeights => CpuBackendTests.SharedWeights;
    private static Tensor RandomInput(int n, int h, int w, int seed) => CpuBackendTests.RandomInput(n, h, w, seed);

    [Theory]
    [InlineData(2, 32, 32)]
    [InlineData(3, 33, 50)] // chunks of 2 and 1, odd pooled width
    [InlineData(8, 32, 32)] // chunks of 4; block4_conv2/3 on packed F(4×4)
    public void ChunkedFirstBlockAndLargeBatchAlgorithms_MatchTheScalarForward(int n, int h, int w)
    {
        var weights = SharedWeights.Value;
        var input = RandomInput(n, h, w, seed: 31 * n + h + w);
        var reference = new RecordingTap();
        var expectedResult = new ScalarBackend(weights).Forward(input, reference);

        using var backend = new CpuBackend(weights, 2, ConvPolicy.Auto);
        Assert.Equal(ConvAlgorithm.Winograd2x2OnTheFly, backend.ConvAlgorithmAt("block4_conv2", 1));
        Assert.Equal(n >= ConvAlgorithmChoice.LargeBatch ? ConvAlgorithm.Winograd : ConvAlgorithm.Winograd2x2OnTheFly, backend.ConvAlgorithmAt("block4_conv3", n));
        Assert.Equal(ConvAlgorithm.Winograd2x2OnTheFly, backend.ConvAlgorithmAt("block5_conv1", n));

        var chunkedTap = new RecordingTap(DeepLayers); // wants nothing of block1: the first block runs in chunks
        var chunked = backend.Forward(input, chunkedTap);
        foreach (var layer in DeepLayers)
            Compare.AssertClose(reference.Activations[layer].Data, chunkedTap.Activations[layer].Data, Tolerance, $"{layer} (batch {n})");
        Compare.AssertClose(expectedResult.Data, chunked.Data, Tolerance, $"result (batch {n})");

        // The whole batch at once (a tap on block1_conv1 turns chunking off) computes every image the same way.
        var wholeTap = new RecordingTap(DeepLayers.Append("block1_conv1"));
        var whole = backend.Forward(input, wholeTap);
        Assert.True(whole.Data.AsSpan().SequenceEqual(chunked.Data), $"batch {n}: chunked and whole first block differ");
        foreach (var layer in DeepLayers)
            Assert.True(wholeTap.Activations[layer].Data.AsSpan().SequenceEqual(chunkedTap.Activations[layer].Data), $"batch {n}: {layer} differs between chunked and whole");
    }

    [Theory]
    [InlineData("block4_conv2")]
    [InlineData("block4_conv3")]
    public void PackedF4x4AtLargeBatches_OnlyForTheConvBase_UnderAuto(string name)
    {
        var layer = ConvLayers.Find(name);
        int large = ConvAlgorithmChoice.LargeBatch;
        Assert.Equal(ConvAlgorithm.Winograd, ConvAlgorithmChoice.For(layer, ConvPolicy.Auto, large, hasTop: false));
        Assert.Equal(ConvAlgorithm.Winograd2x2OnTheFly, ConvAlgorithmChoice.For(layer, ConvPolicy.Auto, large - 1, hasTop: false));
        Assert.Equal(ConvAlgorithm.Winograd2x2OnTheFly, ConvAlgorithmChoice.For(layer, ConvPolicy.Auto, large, hasTop: true)); // parity of the top
        Assert.Equal(ConvAlgorithm.WinogradOnTheFly, ConvAlgorithmChoice.For(layer, ConvPolicy.LowMemory, large, hasTop: false));
        Assert.Equal(ConvAlgorithm.Winograd2x2OnTheFly, ConvAlgorithmChoice.For(ConvLayers.Find("block5_conv1"), ConvPolicy.Auto, large, hasTop: false));
    }

    /// <summary>Lends NaN-filled arrays of the exact size asked for and records what comes back.</summary>
    private sealed class NanLender(bool wrongSize = false) : ILayerBufferLender
    {
        public Dictionary<string, float[]> Lent { get; } = new();
        public Dictionary<string, Tensor> Activations { get; } = new();
        public bool Wants(string layerName) => true;

        public float[] Lend(LayerSpec layer, int floats)
        {
            if (!Lent.TryGetValue(layer.Name, out var array))
            {
                Lent[layer.Name] = array = new float[wrongSize ? floats - 1 : floats];
                array.AsSpan().Fill(float.NaN);
            }
            return array;
        }

        public void OnActivation(LayerSpec layer, Tensor output) => Activations[layer.Name] = output;
        public void OnSwitches(LayerSpec pool, IntTensor switches) { }
    }

    [Theory]
    [InlineData(ConvPolicy.Auto, 2, 40, 36)]
    [InlineData(ConvPolicy.DirectOnly, 1, 33, 35)]
    [InlineData(ConvPolicy.Auto, 8, 32, 32)]
    public void ALendingTap_GetsEveryWantedLayerInItsOwnArrays_Overwritten(ConvPolicy policy, int n, int h, int w)
    {
        var weights = SharedWeights.Value;
        using var backend = new CpuBackend(weights, 2, policy);
        var input = RandomInput(n, h, w, seed: 77 + n);
        var recorded = new RecordingTap();
        backend.Forward(input, recorded);

        var lender = new NanLender();
        backend.Forward(input, lender);
        backend.Forward(input, lender); // the same arrays again: overwritten, not accumulated
        Assert.NotEmpty(lender.Lent);
        foreach (var layer in weights.Layers)
        {
            var got = lender.Activations[layer.Name];
            Assert.True(got.Data.AsSpan().SequenceEqual(recorded.Activations[layer.Name].Data), $"{policy} batch {n}: {layer.Name} differs from a fresh delivery");
            if (lender.Lent.TryGetValue(layer.Name, out var lent)) Assert.Same(lent, got.Data);
        }
        // Every conv output went through a lent array (pools feeding nothing may hand over their own).
        Assert.All(weights.Layers.Where(l => l.IsConv), l => Assert.True(lender.Lent.ContainsKey(l.Name), $"{l.Name} was not delivered in a lent array"));
    }

    [Fact]
    public void ALenderOfTheWrongSize_IsAnArgumentError()
    {
        using var backend = new CpuBackend(SharedWeights.Value, 2);
        var e = Assert.Throws<ArgumentException>(() => backend.Forward(RandomInput(1, 32, 32, seed: 3), new NanLender(wrongSize: true)));
        Assert.Contains("block1_conv1", e.Message);
    }
}
