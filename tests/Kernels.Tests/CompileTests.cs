using CnnEngine.Kernels.Compute;

namespace CnnEngine.Kernels.Tests;

/// <summary>Kernel compilation: a broken kernel reports the device compiler's log; built programs land in the disk cache.</summary>
[Collection("OpenCL")]
public sealed class CompileTests
{
    private readonly OpenClFixture _cl;
    public CompileTests(OpenClFixture cl) => _cl = cl;

    [SkippableFact]
    public void ABrokenKernelFailsWithTheCompilerLog()
    {
        _cl.Require();
        string source = KernelSource.Program("rectify.c", null) + "\nKERNEL broken(GLOBAL float* x) { x[0] = undeclared_name; }\n";
        var e = Assert.Throws<KernelBuildException>(() => _cl.Device!.KernelFromSource("broken.c", source, "broken"));
        Assert.Contains("undeclared_name", e.Log);
        Assert.StartsWith("OpenCL kernel broken.c on ", e.Message);
        Assert.Contains("failed to build", e.Message.Split('\n')[0]);
    }

    [SkippableFact]
    public void BuiltProgramsAreCachedOnDiskByHashOfSourceAndDevice()
    {
        _cl.Require();
        // A program text no other test builds (a unique comment), so this test sees the cache go from absent to present.
        string source = KernelSource.Program("rectify.c", new Dictionary<string, int> { ["VW"] = 4 }) + $"\n/* cache test {Guid.NewGuid()} */\n";
        string file = Path.Combine(ProgramCache.Directory, _cl.Device!.CacheKey(source) + ".clbin");
        Assert.False(File.Exists(file));
        _cl.Device.KernelFromSource("rectify.c", source, "rectify");
        Assert.True(File.Exists(file), $"no cached binary at {file}");
        Assert.True(new FileInfo(file).Length > 0);
        try
        {
            // A fresh device (context) builds from the cached binary; the kernel must still work.
            using var other = new OpenClDevice(0);
            var k = other.KernelFromSource("rectify.c", source, "rectify");
            using var b = other.Allocate(3 * 4);
            other.Write<float>(b, new[] { -1f, 2f, float.NaN });
            other.Launch(k, (3, 1, 1), (1, 1, 1), b, 3);
            var r = new float[3];
            other.Read<float>(b, r);
            Assert.Equal(new[] { 0f, 2f, 0f }, r);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void EveryKernelSourceIsEmbedded()
    {
        var files = KernelSource.Files.ToHashSet();
        foreach (string f in new[] { "prelude.h", "conv3x3_naive.c", "conv3x3_tiled.c", "conv3x3_regblock.c", "conv3x3_winograd.c",
                     "maxpool2x2.c", "dense.c", "softmax.c", "unpool2x2.c", "rectify.c", "conv_transpose3x3.c" })
            Assert.Contains(f, files);
    }
}

/// <summary>Out of device memory is a typed exception with one clear line, not a crash.</summary>
[Collection("OpenCL")]
public sealed class DeviceMemoryTests(OpenClFixture cl)
{
    [SkippableFact]
    public void AnAllocationBeyondTheDeviceLimitFailsClearly()
    {
        cl.Require();
        var device = cl.Device!;
        var e = Assert.Throws<DeviceOutOfMemoryException>(() => device.Allocate(device.Info.MaxAlloc + 4096));
        Assert.Equal("clCreateBuffer", e.Call);
        Assert.Contains("largest allocation", e.Message);
        Assert.Contains("smaller batch", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.IsAssignableFrom<DeviceException>(e);
    }
}
