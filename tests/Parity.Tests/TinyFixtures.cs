using CnnEngine.TestSupport;

namespace CnnEngine.Parity.Tests;

/// <summary>
/// The committed PyTorch reference tensors in tests/fixtures/tiny/ (made by make_tiny.py there): small per-op cases
/// and a 37×45 VGG16 run with formula weights (<see cref="TinyNetWeights"/>). They need no Python at test time.
/// </summary>
internal static class TinyFixtures
{
    public static string Dir => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "tiny");

    public static Npy.Array Load(string name)
    {
        string path = Path.Combine(Dir, name + ".npy");
        Assert.True(File.Exists(path), $"committed fixture {path} is missing (regenerate with tests/fixtures/tiny/make_tiny.py)");
        return Npy.Read(path);
    }

    public static bool Exists(string name) => File.Exists(Path.Combine(Dir, name + ".npy"));

    public static float[] Floats(string name) => Load(name).AsFloat32();
    public static int[] Ints(string name) => Load(name).AsInt32();
    public static int[] Shape(string name) => Load(name).Shape;
}
