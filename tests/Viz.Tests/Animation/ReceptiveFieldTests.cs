using CnnEngine.Model;
using CnnEngine.Viz.Animation;

namespace CnnEngine.Viz.Tests.Animation;

public class ReceptiveFieldTests
{
    // Hand-derived: each 3×3 conv adds 2·jump; each 2×2/2 pool adds 1·jump, shifts the first center by jump/2
    // and doubles jump. (block5_conv3 = 196 and block5_pool = 212 are the published VGG16 values.)
    [Theory]
    [InlineData("block1_conv1", 3, 1, 0.0)]
    [InlineData("block1_conv2", 5, 1, 0.0)]
    [InlineData("block1_pool", 6, 2, 0.5)]
    [InlineData("block2_conv1", 10, 2, 0.5)]
    [InlineData("block2_conv2", 14, 2, 0.5)]
    [InlineData("block2_pool", 16, 4, 1.5)]
    [InlineData("block3_conv3", 40, 4, 1.5)]
    [InlineData("block3_pool", 44, 8, 3.5)]
    [InlineData("block4_conv1", 60, 8, 3.5)]
    [InlineData("block4_conv3", 92, 8, 3.5)]
    [InlineData("block4_pool", 100, 16, 7.5)]
    [InlineData("block5_conv1", 132, 16, 7.5)]
    [InlineData("block5_conv3", 196, 16, 7.5)]
    [InlineData("block5_pool", 212, 32, 15.5)]
    public void Vgg16ReceptiveFields(string layer, int size, int jump, double start)
    {
        var rf = ReceptiveField.Vgg16[layer];
        Assert.Equal((size, jump, start), (rf.Size, rf.Jump, rf.Start));
    }

    [Fact]
    public void CentersAndNearestUnits()
    {
        var rf = ReceptiveField.Vgg16["block5_conv3"]; // centers 7.5, 23.5, …, 215.5 on a 224 input (14 units)
        Assert.Equal(7.5 + 16 * 13, rf.Center(13));
        Assert.Equal(0, rf.NearestUnit(0, 14));
        Assert.Equal(1, rf.NearestUnit(20, 14));
        Assert.Equal(13, rf.NearestUnit(223, 14));
        Assert.Equal(13, rf.NearestUnit(1000, 14));
        // A pool's unit i covers input units 2i and 2i+1: block1_pool unit 3 is centered between pixels 6 and 7.
        Assert.Equal(6.5, ReceptiveField.Vgg16["block1_pool"].Center(3));
    }

    [Fact]
    public void DenseLayersHaveNoReceptiveFieldHere() =>
        Assert.Throws<ArgumentException>(() => ReceptiveField.Input.After(Vgg16Architecture.Top[0]));
}
