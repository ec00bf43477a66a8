using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Viz.Animation;
using CnnEngine.Viz.Rendering;
using CnnEngine.Viz.Tests.Visualize;

namespace CnnEngine.Viz.Tests.Animation;

public class ZoomAndJourneyTests
{
    private static (LayerSpec, Tensor)[] Convs(Dictionary<string, Tensor> activations) =>
        Vgg16Architecture.ConvBase.Where(l => l.IsConv).Select(l => (l, activations[l.Name])).ToArray();

    private static RgbCanvas Input(int side)
    {
        var p = SyntheticInputs.Picture(side, side);
        return new RgbCanvas(p.Width, p.Height, p.Rgb);
    }

    [Fact]
    public void TheDefaultTargetIsTheStrongestBlock5Conv3UnitsReceptiveFieldCenter()
    {
        var activations = SyntheticInputs.Activations(224, 224);
        var deep = activations["block5_conv3"]; // (1, 14, 14, 512)
        Array.Clear(deep.Data);
        deep.Data[(5 * 14 + 3) * 512 + 77] = 9f;                     // unit x = 3, y = 5, channel 77
        var b3 = activations["block3_conv1"];                        // (1, 56, 56, 256): jump 4, start 1.5
        int ux = (int)Math.Round((7.5 + 16 * 3 - 1.5) / 4), uy = (int)Math.Round((7.5 + 16 * 5 - 1.5) / 4); // 14, 22 (rounded half away)
        for (int c = 0; c < 256; c++) b3.Data[(uy * 56 + ux) * 256 + c] = c == 201 ? 100f : 0.5f;

        var plan = ZoomAnimation.Plan(new ZoomRequest(Input(224), Convs(activations), Colormap.Viridis, false, false, null));

        Assert.Equal((7.5 + 16 * 3, 7.5 + 16 * 5), plan.Target);       // (55.5, 87.5)
        Assert.Equal(196, plan.TargetField.Size);
        Assert.Equal("block5_conv3", plan.TargetLayer);
        Assert.Equal(13, plan.Steps.Count);
        var step3 = plan.Steps.Single(s => s.Layer.Name == "block3_conv1");
        Assert.Equal((ux, uy, 201), (step3.UnitX, step3.UnitY, step3.Channel));
        Assert.Equal(77, plan.Steps[^1].Channel);
    }

    [Fact]
    public void AnExplicitTargetIsUsedAsGiven()
    {
        var activations = SyntheticInputs.Activations(64, 64);
        var plan = ZoomAnimation.Plan(new ZoomRequest(Input(64), Convs(activations), Colormap.Gray, false, false, (10, 50)));
        Assert.Equal((10.0, 50.0), plan.Target);
        var first = plan.Steps[0]; // block1_conv1: jump 1, start 0 → unit = pixel
        Assert.Equal((10, 50), (first.UnitX, first.UnitY));
    }

    [Fact]
    public void PureLayerFramesUseTheColormapAndBlendsAreQuantized()
    {
        var activations = SyntheticInputs.Activations(64, 64);
        var request = new ZoomRequest(Input(64), Convs(activations), Colormap.Magma, false, true, null);
        var frames = ZoomAnimation.BuildFrames(request);
        Assert.Equal(2 * ZoomAnimation.HoldFrames + 13 * ZoomAnimation.FadeFrames, frames.Count);
        // Fades of FadeFrames: the last frame of each fade is the pure layer; the others are blends or the photo.
        for (int i = 0; i < frames.Count; i++)
        {
            bool pure = i >= ZoomAnimation.HoldFrames && (i - ZoomAnimation.HoldFrames) % ZoomAnimation.FadeFrames == ZoomAnimation.FadeFrames - 1
                        || i >= frames.Count - ZoomAnimation.HoldFrames;
            Assert.Equal(pure, ReferenceEquals(frames[i].Palette, Colormap.Magma.Lut));
        }

        var journey = JourneyAnimation.BuildFrames(new JourneyRequest(Input(64), Convs(activations), Colormap.Magma, false, true, 100));
        Assert.Equal(14, journey.Count);
        Assert.False(ReferenceEquals(journey[0].Palette, Colormap.Magma.Lut)); // the photo: quantized
        Assert.All(journey.Skip(1), f => Assert.Same(Colormap.Magma.Lut, f.Palette));
        Assert.All(journey, f => Assert.Equal((JourneyAnimation.Side, JourneyAnimation.FrameHeight(true)), (f.Width, f.Height)));
    }

    [Fact]
    public void TheZoomLastsSixToEightSecondsWithSmoothFadesWhateverTheJourneysFrameDelay()
    {
        // Issue 10: 43 frames x 700 ms (30 s) felt like a slideshow.
        var activations = SyntheticInputs.Activations(64, 64);
        var frames = ZoomAnimation.BuildFrames(new ZoomRequest(Input(64), Convs(activations), Colormap.Viridis, false, false, null));
        int totalMs = frames.Sum(f => f.DelayMs);
        Assert.InRange(totalMs, 6000, 8000);
        // Smooth: every frame between the holds is short, and each fade moves at most a sixth of the way per frame.
        var fades = frames.Skip(ZoomAnimation.HoldFrames).SkipLast(ZoomAnimation.HoldFrames).ToArray();
        Assert.All(fades, f => Assert.InRange(f.DelayMs, 20, 100));
        Assert.True(ZoomAnimation.FadeFrames >= 6, $"{ZoomAnimation.FadeFrames} frames a fade");
    }
}
