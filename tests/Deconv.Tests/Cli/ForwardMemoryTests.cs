using CnnEngine.Backends.Cpu;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Deconv.Tests.Cli;

/// <summary>The budget's estimate of what a forward keeps, against what a real forward hands over.</summary>
public class ForwardMemoryTests
{
    [Theory]
    [InlineData(1, 64, 96)]
    [InlineData(2, 33, 47)]     // odd sizes: the pools floor
    public void KeptLayersAreExactlyWhatTheTapsReceive(int batch, int height, int width)
    {
        using var weights = Vgg16Weights.Random(3);
        using var backend = new CpuBackend(weights, threads: 2);
        var tap = new RecordingTap();
        backend.Forward(new Tensor(batch, height, width, 3), tap);
        long measured = tap.Activations.Values.Sum(t => 4L * t.Data.Length) + tap.Switches.Values.Sum(s => 4L * s.Data.Length);
        var estimate = ForwardMemory.Of(batch, height, width, includeTop: false, ForwardMemory.Taps.All);
        Assert.Equal(measured, estimate.TapBytes);
        Assert.Equal(4L * batch * height * width * 3, estimate.InputBytes);
    }

    [Fact]
    public void HugeSizesSaturateInsteadOfOverflowing()
    {
        var e = ForwardMemory.Of(256, 40000, 40000, includeTop: false, ForwardMemory.Taps.All, pictures: true);
        Assert.True(e.Total > 1L << 50);
        Assert.True(e.LargestBufferValues > Array.MaxLength);
    }
}
