using CnnEngine.TestSupport;

namespace CnnEngine.Weights.Tests;

/// <summary>Full-size VGG16 in every Keras layout, read by our HDF5 reader, bit-identical to what h5py reads.</summary>
[Trait("Category", "FullSize")]
public class FullSizeLayoutTests
{
    [SkippableTheory]
    [InlineData("applications", false, WeightsLayout.KerasApplications)]
    [InlineData("keras2", false, WeightsLayout.Keras2SaveWeights)]
    [InlineData("keras3", false, WeightsLayout.Keras3WeightsH5)]
    [InlineData("applications", true, WeightsLayout.KerasApplications)]
    public void EveryTensorIsBitIdenticalToH5py(string layout, bool notop, WeightsLayout expected)
    {
        Python.SkipIfUnavailable();
        var reference = GeneratedVgg16.Make(layout, notop);
        using var store = WeightStore.Open(reference.Path);
        AssertMatches(reference, store, expected, notop ? 14_714_688 : 138_357_544);
    }

    /// <summary>Conv base (notop) with other storage: chunked, shuffle+deflate, f16/f64 values, newer file formats.</summary>
    [SkippableTheory]
    [InlineData("applications", "--compress", WeightsLayout.KerasApplications)]
    [InlineData("keras2", "--dtype f2 --chunked", WeightsLayout.Keras2SaveWeights)]
    [InlineData("keras2", "--dtype f8 --libver v108", WeightsLayout.Keras2SaveWeights)]
    [InlineData("keras3", "--libver latest --compress", WeightsLayout.Keras3WeightsH5)]
    public void StorageVariantsAreBitIdenticalToH5py(string layout, string extra, WeightsLayout expected)
    {
        Python.SkipIfUnavailable();
        var reference = GeneratedVgg16.Make(layout, true, extra.Split(' '));
        using var store = WeightStore.Open(reference.Path);
        AssertMatches(reference, store, expected, 14_714_688);
    }

    internal static void AssertMatches(GeneratedVgg16.Reference reference, IWeightStore store, WeightsLayout expected, long parameters)
    {
        Assert.Equal(expected, store.Layout);
        Assert.Equal(reference.Tensors.Keys.OrderBy(k => k), store.TensorNames.OrderBy(k => k));
        long total = 0;
        foreach (var (name, r) in reference.Tensors)
        {
            Assert.Equal(r.Shape, store.GetShape(name));
            var values = store.GetTensor(name);
            Assert.Equal(r.Shape.Aggregate(1L, (a, b) => a * b), values.Length);
            Assert.True(r.Sha256 == GeneratedVgg16.Sha256Of(values.Span), $"{name} ({r.DatasetPath}) differs from what h5py reads");
            total += values.Length;
        }
        Assert.Equal(parameters, total);
    }
}
