using CnnEngine.Imaging;
using CnnEngine.TestSupport;
using CnnEngine.Viz.Live;

namespace CnnEngine.Server.Tests.Live;

/// <summary>The explorer's parts without HTTP: the bounded queue, the byte-bounded LRU, the header probe, the confined folder.</summary>
public sealed class LiveCoreTests
{
    [Fact]
    public async Task TheQueueRunsOneAtATimeAndRefusesBeyondItsCapacity()
    {
        var queue = new WorkQueue(3);
        using var gate = new ManualResetEventSlim(false);
        int running = 0, most = 0;
        int Work()
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            gate.Wait(TimeSpan.FromSeconds(30));
            Interlocked.Decrement(ref running);
            return now;
        }
        var tasks = Enumerable.Range(0, 3).Select(_ => queue.RunAsync(Work)).ToArray();
        var busy = Assert.Throws<LiveException>(() => queue.Reserve());
        Assert.Equal(LiveProblem.Busy, busy.Problem);
        Assert.True(busy.RetryAfterSeconds >= 1);
        gate.Set();
        await Task.WhenAll(tasks);
        Assert.Equal(1, most);
        Assert.Equal(0, queue.Reserved);
        using var again = queue.Reserve(); // room again
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    private sealed class Blob(long bytes) : ICacheWeighed
    {
        public long Bytes { get; set; } = bytes;
    }

    [Fact]
    public void TheCacheEvictsTheLeastRecentlyUsedToStayUnderItsBudget()
    {
        var cache = new ImageCache<Blob>(100);
        cache.Add("a", new Blob(40));
        cache.Add("b", new Blob(40));
        Assert.True(cache.TryGet("a", out _));   // a is now the most recent
        cache.Add("c", new Blob(40));           // 120 > 100: b goes
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("a", out _));
        Assert.True(cache.TryGet("c", out var c));
        Assert.Equal(80, cache.Bytes);
        c.Bytes = 90;                            // an entry grew (pictures rendered): trimming evicts the oldest
        cache.Trim();
        Assert.False(cache.TryGet("a", out _));
        cache.Add("huge", new Blob(500));        // larger than the budget: kept alone
        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet("huge", out _));
    }

    [Fact]
    public void TheHeaderProbeAgreesWithTheDecoderOnTheRealPhotos()
    {
        var photos = Directory.GetFiles(ServerTestPaths.SharedImages).Where(f => f.EndsWith(".png") || f.EndsWith(".jpg")).ToArray();
        Assert.Equal(8, photos.Length);
        foreach (var photo in photos)
        {
            var bytes = File.ReadAllBytes(photo);
            var decoded = ImageLoader.Load(bytes, photo);
            Assert.Equal(((long)decoded.Width, (long)decoded.Height), ImageHeaderProbe.TryReadSize(bytes));
        }
        Assert.Null(ImageHeaderProbe.TryReadSize("not an image"u8));
        Assert.Null(ImageHeaderProbe.TryReadSize(new byte[] { 0xFF, 0xD8, 0xFF, 0xDA, 0, 2 })); // a scan before any frame
    }

    [Fact]
    public void TheLimitsRefuseFromTheHeaderAlone()
    {
        var limits = new UploadLimits(1000, 10_000);
        var header = Api.ImageApiTests.PngHeader(200, 100); // 20 000 pixels
        Assert.Equal(LiveProblem.TooLarge, Assert.Throws<LiveException>(() => limits.Check(header, "x")).Problem);
        limits.Check(Api.ImageApiTests.PngHeader(100, 100), "x"); // 10 000: allowed through to the decoder
        Assert.Equal(LiveProblem.TooLarge, Assert.Throws<LiveException>(() => limits.Check(new byte[1001], "x")).Problem);
        Assert.Equal(LiveProblem.Unreadable, Assert.Throws<LiveException>(() => limits.Check(new byte[10], "x")).Problem);
        Assert.Equal(LiveProblem.Unreadable, Assert.Throws<LiveException>(() => limits.Check(Api.ImageApiTests.PngHeader(0, 100), "x")).Problem);
    }

    [Fact]
    public void TheConfinedFolderResolvesLinksAndRefusesEveryWayOut()
    {
        using var dir = Paths.NewTempDir("confined");
        string root = Path.Combine(dir.Path, "root");
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.WriteAllText(Path.Combine(root, "sub", "in.txt"), "in");
        File.WriteAllText(Path.Combine(dir.Path, "out.txt"), "out");
        File.CreateSymbolicLink(Path.Combine(root, "inside-link.txt"), Path.Combine(root, "sub", "in.txt"));
        File.CreateSymbolicLink(Path.Combine(root, "outside-link.txt"), Path.Combine(dir.Path, "out.txt"));
        Directory.CreateSymbolicLink(Path.Combine(root, "parent"), dir.Path);
        Directory.CreateSymbolicLink(Path.Combine(root, "loop"), Path.Combine(root, "loop"));
        // The folder itself reached through a link: its real path is what confines.
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "alias"), root);
        var folder = new ConfinedFolder(Path.Combine(dir.Path, "alias"));

        Assert.Equal(Path.Combine(root, "sub", "in.txt"), folder.ResolveFile("sub/in.txt"));
        Assert.Equal(Path.Combine(root, "sub", "in.txt"), folder.ResolveFile("inside-link.txt"));
        Assert.Equal(Path.Combine(root, "sub", "in.txt"), folder.ResolveFile("sub/../sub/in.txt"));
        // Out through a link and back in: what is read is inside, so it is allowed.
        Assert.Equal(Path.Combine(root, "sub", "in.txt"), folder.ResolveFile("parent/root/sub/in.txt"));
        foreach (var bad in new[] { "../out.txt", "sub/../../out.txt", "outside-link.txt", "parent/out.txt",
                     "/etc/passwd", Path.Combine(dir.Path, "out.txt"), "loop/x", "sub", "", "sub/in.txt\0", "..\\out.txt", "missing.txt" })
            Assert.Equal(LiveProblem.NotFound, Assert.Throws<LiveException>(() => folder.ResolveFile(bad)).Problem);
    }
}
