using CnnEngine.TestSupport;
using CnnEngine.Viz.Animation;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Tests.Animation;

public class GifWriterTests
{
    private static byte[] Expand(GifFrame f)
    {
        var rgb = new byte[f.Indices.Length * 3];
        for (int i = 0; i < f.Indices.Length; i++)
        {
            rgb[3 * i] = f.Palette[3 * f.Indices[i]];
            rgb[3 * i + 1] = f.Palette[3 * f.Indices[i] + 1];
            rgb[3 * i + 2] = f.Palette[3 * f.Indices[i] + 2];
        }
        return rgb;
    }

    [SkippableFact]
    public void FramesDecodeInPilWithTheirCountDurationsLoopAndPixels()
    {
        var rng = new Random(3);
        int w = 97, h = 61;
        var frames = new List<GifFrame>();
        int[] delays = { 100, 250, 40, 1000, 700 };
        for (int i = 0; i < delays.Length; i++)
        {
            var indices = new byte[w * h];
            for (int p = 0; p < indices.Length; p++)
                indices[p] = i switch
                {
                    0 => (byte)rng.Next(256),           // noise: many clear codes
                    1 => (byte)(p % w),                  // ramp
                    2 => 7,                              // flat
                    _ => (byte)((p / w + p % w) * i % 256),
                };
            var palette = new byte[768];
            for (int k = 0; k < 768; k++) palette[k] = (byte)((k * (i + 3) * 37) % 256); // distinct per frame: local palettes matter
            frames.Add(new GifFrame(indices, w, h, palette, delays[i]));
        }
        frames.Add(new GifFrame(new byte[w * h], w, h, Colormap.Viridis.Lut, 60));

        using var dir = Paths.NewTempDir("gif");
        string path = dir.File("t.gif");
        GifWriter.Write(path, frames);
        var pil = PilDecoder.Decode(path)[path];
        Assert.Equal("GIF", pil.Format);
        Assert.Equal((w, h), (pil.Width, pil.Height));
        Assert.Equal(frames.Count, pil.Frames);
        Assert.Equal(0, pil.Loop);
        Assert.Equal(frames.Select(f => f.DelayMs).ToArray(), pil.Durations);
        for (int i = 0; i < frames.Count; i++)
            Assert.True(Expand(frames[i]).AsSpan().SequenceEqual(pil.Frame(i)), $"frame {i} decodes to different pixels");
    }

    [Fact]
    public void DelaysAreCentiseconds() => Assert.Equal(new[] { 0, 1, 2, 70, 65535 }, new[] { 0, 5, 20, 700, 9999999 }.Select(GifWriter.DelayCentiseconds));

    [Fact]
    public void MismatchedFramesAreRejected()
    {
        var a = new GifFrame(new byte[6], 3, 2, new byte[768], 100);
        Assert.Throws<ArgumentException>(() => GifWriter.Encode(Array.Empty<GifFrame>()));
        Assert.Throws<ArgumentException>(() => GifWriter.Encode(new[] { a, a with { Width = 2, Height = 3 } }));
        Assert.Throws<ArgumentException>(() => GifWriter.Encode(new[] { a with { Palette = new byte[12] } }));
    }
}
