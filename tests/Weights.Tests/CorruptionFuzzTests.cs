using CnnEngine.Weights.Hdf5;
using static CnnEngine.Weights.Tests.Hdf5FeatureTests;

namespace CnnEngine.Weights.Tests;

/// <summary>
/// Seeded random damage to valid files: every outcome must be either correct reading or a typed
/// <see cref="WeightsException"/> — never another exception type, a hang or a huge allocation.
/// </summary>
public class CorruptionFuzzTests
{
    [Theory]
    [InlineData("features-earliest.h5", 1)]
    [InlineData("features-v108.h5", 2)]
    [InlineData("features-latest.h5", 3)]
    [InlineData("keras-nan.h5", 4)]
    [InlineData("keras-split-attrs.h5", 5)]
    public void DamagedFilesFailWithTypedExceptionsOnly(string fixture, int seed)
    {
        byte[] original = File.ReadAllBytes(Fixture(fixture));
        var rng = new Random(seed);
        string path = Path.Combine(Path.GetTempPath(), $"fuzz-{Guid.NewGuid():N}.h5");
        var failures = new List<string>();
        try
        {
            for (int iteration = 0; iteration < 400; iteration++)
            {
                byte[] damaged = (byte[])original.Clone();
                int flips = 1 + rng.Next(4);
                // Most structure lives in the first few KB: aim there half of the time.
                for (int k = 0; k < flips; k++)
                {
                    int at = rng.Next(2) == 0 ? rng.Next(Math.Min(4096, damaged.Length)) : rng.Next(damaged.Length);
                    damaged[at] = (byte)rng.Next(256);
                }
                if (rng.Next(10) == 0) Array.Resize(ref damaged, rng.Next(damaged.Length));
                File.WriteAllBytes(path, damaged);
                long before = GC.GetAllocatedBytesForCurrentThread();
                var e = Record.Exception(() =>
                {
                    using var f = Hdf5File.Open(path);
                    foreach (var ds in f.Root.AllDatasets())
                        if (ds.IsFloat) ds.ReadFloat32();
                    foreach (var a in f.Root.Attributes.Values)
                        if (a.IsString) a.ReadStrings();
                    // And through the Keras layer: layout recognition, name attributes, tensors.
                    using var store = WeightStore.Open(path);
                    foreach (string name in store.TensorNames) { store.GetShape(name); store.GetTensor(name); }
                });
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (e is not null and not WeightsException) failures.Add($"iteration {iteration}: {e.GetType().Name}: {e.Message}\n{e.StackTrace?.Split('\n').FirstOrDefault()}");
                if (allocated > 256L << 20)
                {
                    failures.Add($"iteration {iteration}: allocated {allocated} bytes");
                    if (Environment.GetEnvironmentVariable("FUZZ_SAVE") is { } save) File.WriteAllBytes(save, damaged);
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(8)));
    }

    [Fact]
    public void DamagedSafeTensorsFailWithTypedExceptionsOnly()
    {
        using var dir = CnnEngine.TestSupport.Paths.NewTempDir("fuzz-st");
        string good = dir.File("good.safetensors");
        using (var store = WeightStore.Open(Fixture("keras-nan.h5")))
            SafeTensors.SafeTensorsWriter.Write(store, good, new Dictionary<string, string> { ["k"] = "v" });
        byte[] original = File.ReadAllBytes(good);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(original, 0);
        var rng = new Random(6);
        var failures = new List<string>();
        string path = dir.File("damaged.safetensors");
        for (int iteration = 0; iteration < 400; iteration++)
        {
            byte[] damaged = (byte[])original.Clone();
            for (int k = 0, n = 1 + rng.Next(3); k < n; k++)
                damaged[rng.Next(headerEnd)] = (byte)(rng.Next(2) == 0 ? rng.Next(256) : "0123456789[]{},:\"-"[rng.Next(18)]);
            if (rng.Next(10) == 0) Array.Resize(ref damaged, rng.Next(damaged.Length));
            File.WriteAllBytes(path, damaged);
            var e = Record.Exception(() =>
            {
                using var store = WeightStore.Open(path);
                foreach (string name in store.TensorNames) { store.GetShape(name); _ = store.GetTensor(name).Span.Length; }
            });
            if (e is not null and not WeightsException) failures.Add($"iteration {iteration}: {e.GetType().Name}: {e.Message}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(8)));
    }
}
