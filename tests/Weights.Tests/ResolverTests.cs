using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CnnEngine.TestSupport;

namespace CnnEngine.Weights.Tests;

/// <summary>The resolution order and the download path, against a real HTTP server on 127.0.0.1 started by the test.</summary>
public class ResolverTests
{
    private static WeightsQuery Isolated(TempDir dir) => new()
    {
        EnvironmentPath = null,
        KerasCacheDir = Path.Combine(dir.Path, "keras", "models"),
        OwnCacheDir = Path.Combine(dir.Path, "own"),
        AllowDownload = false,
    };

    [Fact]
    public void ExplicitPathWinsAndNeverFallsBack()
    {
        using var dir = Paths.NewTempDir("resolve");
        var q = Isolated(dir);
        Directory.CreateDirectory(q.KerasCacheDir!);
        File.WriteAllText(Path.Combine(q.KerasCacheDir!, KerasWeightsFile.Top.FileName), "x");
        string mine = dir.File("mine.h5");
        File.WriteAllText(mine, "x");
        Assert.Equal(WeightsOrigin.ExplicitPath, WeightsResolver.Resolve(q with { ExplicitPath = mine }).Origin);
        var e = Assert.Throws<WeightsNotFoundException>(() => WeightsResolver.Resolve(q with { ExplicitPath = dir.File("absent.h5") }));
        Assert.Contains("absent.h5", e.Message);
    }

    [Fact]
    public void EnvironmentThenKerasCacheThenOwnCache()
    {
        using var dir = Paths.NewTempDir("resolve");
        var q = Isolated(dir);
        Directory.CreateDirectory(q.KerasCacheDir!);
        Directory.CreateDirectory(q.OwnCacheDir);
        string own = Path.Combine(q.OwnCacheDir, KerasWeightsFile.NoTop.FileName);
        File.WriteAllText(own, "x");
        var r = WeightsResolver.Resolve(q);
        Assert.Equal((own, WeightsOrigin.OwnCache, (bool?)false), (r.Path, r.Origin, r.IncludesTop));
        // Wanting the top: a notop file does not qualify.
        Assert.Throws<WeightsNotFoundException>(() => WeightsResolver.Resolve(q with { IncludeTop = true }));

        string kerasNotop = Path.Combine(q.KerasCacheDir!, KerasWeightsFile.NoTop.FileName);
        File.WriteAllText(kerasNotop, "x");
        Assert.Equal(kerasNotop, WeightsResolver.Resolve(q).Path);
        string kerasTop = Path.Combine(q.KerasCacheDir!, KerasWeightsFile.Top.FileName);
        File.WriteAllText(kerasTop, "x");
        Assert.Equal(kerasTop, WeightsResolver.Resolve(q).Path); // top first
        Assert.Equal(WeightsOrigin.KerasCache, WeightsResolver.Resolve(q).Origin);

        string env = dir.File("env.h5");
        File.WriteAllText(env, "x");
        Assert.Equal(WeightsOrigin.EnvironmentVariable, WeightsResolver.Resolve(q with { EnvironmentPath = env }).Origin);
        Assert.Throws<WeightsNotFoundException>(() => WeightsResolver.Resolve(q with { EnvironmentPath = dir.File("gone.h5") }));
    }

    [Fact]
    public void VerifiedCachesPassOverFilesWithTheWrongMd5()
    {
        using var dir = Paths.NewTempDir("resolve");
        var q = Isolated(dir) with { VerifyCachedFiles = true };
        Directory.CreateDirectory(q.KerasCacheDir!);
        Directory.CreateDirectory(q.OwnCacheDir);
        File.WriteAllText(Path.Combine(q.KerasCacheDir!, KerasWeightsFile.NoTop.FileName), "incomplete download");
        byte[] good = RandomNumberGenerator.GetBytes(1000);
        string own = Path.Combine(q.OwnCacheDir, KerasWeightsFile.NoTop.FileName);
        File.WriteAllBytes(own, good);
        var r = WeightsResolver.Resolve(q with { NoTopFile = KerasWeightsFile.NoTop with { Md5 = Md5(good) } });
        Assert.Equal((own, WeightsOrigin.OwnCache), (r.Path, r.Origin));
        Assert.Contains(r.Searched, s => s.EndsWith("(md5 mismatch: skipped)"));
        // Without verification the first file found is used.
        Assert.Equal(WeightsOrigin.KerasCache, WeightsResolver.Resolve(q with { VerifyCachedFiles = false }).Origin);
    }

    [Fact]
    public void NothingFoundWithoutDownloadSaysWhereItLooked()
    {
        using var dir = Paths.NewTempDir("resolve");
        var e = Assert.Throws<WeightsNotFoundException>(() => WeightsResolver.Resolve(Isolated(dir)));
        Assert.Contains("weights-tools download", e.Message);
        Assert.Contains(Path.Combine(dir.Path, "own"), e.Message);
    }

    [Fact]
    public void DownloadSucceedsAndReportsProgress()
    {
        using var dir = Paths.NewTempDir("resolve");
        byte[] payload = RandomNumberGenerator.GetBytes(3 << 20);
        using var server = new LoopbackServer((ctx, path) => { Serve(ctx, payload, payload.Length); });
        var progress = new List<DownloadProgress>();
        var q = Isolated(dir) with
        {
            AllowDownload = true,
            DownloadBaseUrl = server.BaseUrl,
            NoTopFile = KerasWeightsFile.NoTop with { Md5 = Md5(payload) },
            Progress = progress.Add,
        };
        var r = WeightsResolver.Resolve(q);
        Assert.Equal(WeightsOrigin.Downloaded, r.Origin);
        Assert.Equal(Path.Combine(q.OwnCacheDir, KerasWeightsFile.NoTop.FileName), r.Path);
        Assert.Equal(payload, File.ReadAllBytes(r.Path));
        Assert.Equal("/" + KerasWeightsFile.NoTop.FileName, server.Requests.Single());
        Assert.Equal(payload.Length, progress[^1].BytesReceived);
        Assert.Equal(payload.Length, progress[^1].TotalBytes);
        Assert.Single(Directory.GetFiles(q.OwnCacheDir)); // no temp file left
        // Found in our cache next time, without the server.
        Assert.Equal(WeightsOrigin.OwnCache, WeightsResolver.Resolve(q with { AllowDownload = false }).Origin);
    }

    [Fact]
    public void WrongChecksumLeavesNoFile()
    {
        using var dir = Paths.NewTempDir("resolve");
        byte[] payload = RandomNumberGenerator.GetBytes(100_000);
        using var server = new LoopbackServer((ctx, path) => Serve(ctx, payload, payload.Length));
        var q = Isolated(dir) with { AllowDownload = true, DownloadBaseUrl = server.BaseUrl };
        var e = Assert.Throws<WeightsDownloadException>(() => WeightsResolver.Resolve(q));
        Assert.Contains("md5", e.Message);
        Assert.Empty(Directory.GetFiles(q.OwnCacheDir));
    }

    [Fact]
    public void ConnectionDroppedMidwayLeavesNoFile()
    {
        using var dir = Paths.NewTempDir("resolve");
        byte[] payload = RandomNumberGenerator.GetBytes(2 << 20);
        // Announce the full length, send half, then abort the connection.
        using var server = new LoopbackServer((ctx, path) => Serve(ctx, payload, payload.Length / 2, abort: true));
        var q = Isolated(dir) with
        {
            AllowDownload = true, DownloadBaseUrl = server.BaseUrl,
            NoTopFile = KerasWeightsFile.NoTop with { Md5 = Md5(payload) },
        };
        var e = Assert.Throws<WeightsDownloadException>(() => WeightsResolver.Resolve(q));
        Assert.Contains("download of", e.Message);
        Assert.Empty(Directory.GetFiles(q.OwnCacheDir));
    }

    [Fact]
    public void UnreachableServerIsAClearError()
    {
        using var dir = Paths.NewTempDir("resolve");
        int port = FreePort(); // nothing listens there
        var q = Isolated(dir) with { AllowDownload = true, DownloadBaseUrl = new Uri($"http://127.0.0.1:{port}/vgg16/") };
        var e = Assert.Throws<WeightsDownloadException>(() => WeightsResolver.Resolve(q));
        Assert.Contains("cannot download", e.Message);
        Assert.Contains("offline?", e.Message);
        Assert.False(File.Exists(Path.Combine(q.OwnCacheDir, KerasWeightsFile.NoTop.FileName)));
    }

    [Fact]
    public void HttpErrorIsAClearError()
    {
        using var dir = Paths.NewTempDir("resolve");
        using var server = new LoopbackServer((ctx, path) => { ctx.Response.StatusCode = 404; ctx.Response.Close(); });
        var q = Isolated(dir) with { AllowDownload = true, DownloadBaseUrl = server.BaseUrl };
        var e = Assert.Throws<WeightsDownloadException>(() => WeightsResolver.Resolve(q));
        Assert.Contains("HTTP 404", e.Message);
    }

    private static void Serve(HttpListenerContext ctx, byte[] payload, int send, bool abort = false)
    {
        ctx.Response.ContentLength64 = payload.Length;
        ctx.Response.SendChunked = false;
        ctx.Response.OutputStream.Write(payload, 0, send);
        ctx.Response.OutputStream.Flush();
        if (abort) ctx.Response.Abort();
        else ctx.Response.Close();
    }

    private static string Md5(byte[] data) => Convert.ToHexString(MD5.HashData(data)).ToLowerInvariant();

    internal static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}

/// <summary>A real HTTP server on 127.0.0.1 (HttpListener) that answers every request with a handler.</summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Thread _thread;
    public Uri BaseUrl { get; }
    public List<string> Requests { get; } = new();

    public LoopbackServer(Action<HttpListenerContext, string> handler)
    {
        int port = ResolverTests.FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUrl.ToString());
        _listener.Start();
        _thread = new Thread(() =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = _listener.GetContext(); }
                catch (Exception) { return; }
                lock (Requests) Requests.Add(ctx.Request.Url!.AbsolutePath);
                try { handler(ctx, ctx.Request.Url!.AbsolutePath); }
                catch (Exception) { try { ctx.Response.Abort(); } catch (Exception) { } }
            }
        }) { IsBackground = true };
        _thread.Start();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
