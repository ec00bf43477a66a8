using CnnEngine.TestSupport;

namespace CnnEngine.Imaging.Tests;

/// <summary>
/// PIL's decode and resize of the real photos, computed once per test run by tests/fixtures/images/pil_reference.py
/// (Debian python3 + PIL). Tests using it call <see cref="Python.SkipIfUnavailable"/> first.
/// </summary>
internal static class PilReference
{
    /// <param name="Photo">A file of ../shared/images, or a path (the committed resize_source.png).</param>
    public sealed record Case(string Photo, int Width, int Height, ResizeMode Mode)
    {
        public bool IsDecodeOnly => Width == 0;
        public string FullPath => Path.IsPathRooted(Photo) ? Photo : Paths.SharedImage(Photo);
        public override string ToString() => (IsDecodeOnly ? $"{Path.GetFileName(Photo)} decode" : $"{Path.GetFileName(Photo)} -> {Width}x{Height} {Mode}");
    }

    public static readonly Case[] Cases = BuildCases();

    private static Case[] BuildCases()
    {
        var cases = new List<Case>();
        foreach (string photo in Fixtures.RealPhotos) cases.Add(new Case(photo, 0, 0, ResizeMode.Nearest));
        foreach (ResizeMode mode in new[] { ResizeMode.Nearest, ResizeMode.Bilinear })
        {
            // What load_img(target_size=(224, 224)) does to the photos that are not 224x224 already.
            cases.Add(new Case("kerasvis_ouzel1.jpg", 224, 224, mode));
            cases.Add(new Case("kerasvis_ouzel2.jpg", 224, 224, mode));
            // Awkward sizes: down, up, mixed, odd, one-pixel, one axis only, just off the native size.
            foreach ((int w, int h) in new[] { (1000, 13), (611, 700), (250, 174), (223, 225), (33, 1), (1, 1), (499, 347), (501, 349), (224, 348), (500, 97) })
                cases.Add(new Case("kerasvis_ouzel1.jpg", w, h, mode));
            foreach ((int w, int h) in new[] { (299, 299), (97, 61), (32, 32), (225, 224), (448, 224) })
                cases.Add(new Case("ozbulak_spider.png", w, h, mode));
        }
        // A seeded sweep of sizes (1..3x up and down, each axis alone) on the small committed 53x37 picture.
        var random = new Random(20261123);
        string small = Fixtures.Png("resize_source.png");
        for (int i = 0; i < 40; i++)
        {
            int w = random.Next(1, 160), h = random.Next(1, 112);
            if (i % 5 == 0) w = 53;
            if (i % 7 == 0) h = 37;
            cases.Add(new Case(small, w, h, i % 2 == 0 ? ResizeMode.Nearest : ResizeMode.Bilinear));
        }
        return cases.ToArray();
    }

    private static readonly Lazy<string> OutputDir = new(Run, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string Run()
    {
        // A few MB of .npy: removed when the test process ends.
        TempDir temp = Paths.NewTempDir("pil-reference");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => temp.Dispose();
        string dir = temp.Path;
        string script = Path.Combine(Fixtures.Root, "pil_reference.py");
        var args = new List<string> { dir };
        foreach (Case c in Cases)
            args.Add($"{c.FullPath}|{c.Width}|{c.Height}|{(c.Mode == ResizeMode.Nearest ? "nearest" : "bilinear")}");
        Python.Run(script, TimeSpan.FromMinutes(5), args.ToArray());
        return dir;
    }

    /// <summary>PIL's result for <see cref="Cases"/>[index].</summary>
    public static RgbImage Expected(int index) => Fixtures.ReadExpected(Path.Combine(OutputDir.Value, $"{index}.npy"));
}
