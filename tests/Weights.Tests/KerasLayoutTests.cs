using CnnEngine.TestSupport;
using static CnnEngine.Weights.Tests.Hdf5FeatureTests;

namespace CnnEngine.Weights.Tests;

/// <summary>Layout details beyond the full-size files: split name attributes, and h5py's values through the store.</summary>
public class KerasLayoutTests
{
    [SkippableFact]
    public void SplitNameAttributesAreJoinedLikeKerasDoes()
    {
        Python.SkipIfUnavailable();
        using var store = WeightStore.Open(Fixture("keras-split-attrs.h5"));
        Assert.Equal(WeightsLayout.Keras2SaveWeights, store.Layout);
        Assert.Equal(new[] { "block1_conv1.kernel", "block1_conv1.bias" }, store.TensorNames);
        Assert.Equal(new[] { 3, 3, 3, 64 }, store.GetShape("block1_conv1.kernel"));
        // h5py's view of the same datasets, as the reference.
        string expected = Python.RunRaw(new[] { "-c",
            "import h5py,hashlib,sys; f=h5py.File(sys.argv[1]); g=f['block1_conv1/block1_conv1'];" +
            "print(hashlib.sha256(g['kernel:0'][()].astype('<f4').tobytes()).hexdigest(), hashlib.sha256(g['bias:0'][()].astype('<f4').tobytes()).hexdigest())",
            Fixture("keras-split-attrs.h5") }, TimeSpan.FromMinutes(1)).StdOut.Trim();
        Assert.Equal(expected, GeneratedVgg16.Sha256Of(store.GetTensor("block1_conv1.kernel").Span) + " " + GeneratedVgg16.Sha256Of(store.GetTensor("block1_conv1.bias").Span));
    }
}
