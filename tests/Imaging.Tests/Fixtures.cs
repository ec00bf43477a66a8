using CnnEngine.Imaging;
using CnnEngine.TestSupport;

namespace CnnEngine.Imaging.Tests;

/// <summary>Where the committed image fixtures are (made by tests/fixtures/images/make_fixtures.py) and how to compare pixels.</summary>
internal static class Fixtures
{
    public static string Root => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "images");
    public static string Png(string name) => Path.Combine(Root, "png", name);
    public static string Jpeg(string name) => Path.Combine(Root, "jpeg", name);
    public static string Bad(string name) => Path.Combine(Root, "bad", name);
    public static string Expected(string name) => Path.Combine(Root, "expected", name);

    /// <summary>The folders of decodable fixtures, one per format, each file with PIL's expected/&lt;file&gt;.npy.</summary>
    public static readonly string[] FormatFolders = ["png", "jpeg", "webp", "bmp", "gif"];

    public static string InFolder(string folder, string name) => Path.Combine(Root, folder, name);

    /// <summary>The real photos of ../shared/images (never copied into the repository).</summary>
    public static readonly string[] RealPhotos =
    [
        "kerasvis_ouzel1.jpg", "kerasvis_ouzel2.jpg", "ozbulak_cat_dog.png", "ozbulak_snake.png",
        "ozbulak_spider.png", "tfkerasvis_bear.jpg", "tfkerasvis_goldfish.jpg", "tfkerasvis_soldiers.jpg",
    ];

    /// <summary>Reads an expected (H, W, 3) uint8 .npy as an RgbImage.</summary>
    public static RgbImage ReadExpected(string npyPath)
    {
        Npy.Array a = Npy.Read(npyPath);
        Assert.True(a.Shape.Length == 3 && a.Shape[2] == 3, $"{npyPath}: expected (H, W, 3), got ({string.Join(", ", a.Shape)})");
        return new RgbImage(a.Shape[1], a.Shape[0], a.AsUInt8());
    }

    /// <summary>How many samples differ and by how much at most.</summary>
    public static (int Count, int Max) Difference(RgbImage expected, RgbImage actual)
    {
        Assert.True(expected.Width == actual.Width && expected.Height == actual.Height,
            $"size {actual.Width}x{actual.Height}, expected {expected.Width}x{expected.Height}");
        int count = 0, max = 0;
        for (int i = 0; i < expected.Pixels.Length; i++)
        {
            int d = Math.Abs(expected.Pixels[i] - actual.Pixels[i]);
            if (d == 0) continue;
            count++;
            max = Math.Max(max, d);
        }
        return (count, max);
    }

    /// <summary>Asserts two pictures are pixel-identical; on failure says where and how many differ.</summary>
    public static void AssertPixelsEqual(RgbImage expected, RgbImage actual, string what)
    {
        Assert.True(expected.Width == actual.Width && expected.Height == actual.Height,
            $"{what}: size {actual.Width}x{actual.Height}, expected {expected.Width}x{expected.Height}");
        byte[] e = expected.Pixels, a = actual.Pixels;
        int first = -1, count = 0, maxDiff = 0;
        for (int i = 0; i < e.Length; i++)
        {
            if (e[i] == a[i]) continue;
            if (first < 0) first = i;
            count++;
            maxDiff = Math.Max(maxDiff, Math.Abs(e[i] - a[i]));
        }
        if (first >= 0)
        {
            int pixel = first / 3;
            Assert.Fail($"{what}: {count} of {e.Length} samples differ (max |diff| {maxDiff}); first at x={pixel % expected.Width}, " +
                        $"y={pixel / expected.Width}, channel {first % 3}: expected {e[first]}, got {a[first]}");
        }
    }
}
