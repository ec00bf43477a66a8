using System.Net;
using System.Text.Json;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Server.Tests.Api;

/// <summary>The bounded queue under 50 concurrent uploads, the LRU's memory bound, and occlusion jobs with server-sent events.</summary>
public sealed class LoadAndJobTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private HttpClient Client => server.Client;

    private static byte[] NoisePng(int seed, int side = 48)
    {
        var pixels = new byte[side * side * 3];
        new Random(seed).NextBytes(pixels);
        return PngWriter.Encode(pixels, side, side, 3);
    }

    [Fact]
    public async Task FiftyConcurrentUploadsAreAllAnsweredOkOrBusyAndMemoryStaysBounded()
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var uploads = Enumerable.Range(0, 50).Select(i => NoisePng(1000 + i)).ToArray();
        var responses = await Task.WhenAll(uploads.Select(bytes => Client.PostAsync("api/images", new ByteArrayContent(bytes))));

        var statuses = responses.Select(r => r.StatusCode).ToArray();
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"answered {(int)s}"));
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses); // 50 at once cannot all fit in 2 places
        foreach (var busy in responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable))
        {
            Assert.True(busy.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "a 503 says when to come back");
            await ProblemAssert.IsProblem(busy, HttpStatusCode.ServiceUnavailable);
        }

        Assert.Equal(0, server.Explorer.Queue.Reserved);
        Assert.True(server.Explorer.Cache.Bytes <= ApiServerFixture.CacheBudget, $"cache holds {server.Explorer.Cache.Bytes} bytes");
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - before < 256L << 20, $"managed memory grew by {(after - before) >> 20} MB");

        // Once the line is empty again, the next upload is answered.
        var later = await Client.PostAsync("api/images", new ByteArrayContent(NoisePng(7)));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    private async Task<string> OpenSample(string name = "kerasvis_ouzel1.jpg")
    {
        var response = await Client.PostAsync($"api/images?sample={name}", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Reads server-sent events until one named in <paramref name="until"/> arrives; returns every event seen.</summary>
    private static async Task<List<(string Event, JsonElement Data)>> ReadEvents(Stream stream, Func<string, bool> until, TimeSpan timeout, Action<string, JsonElement>? onEvent = null)
    {
        var events = new List<(string, JsonElement)>();
        using var reader = new StreamReader(stream);
        using var cancel = new CancellationTokenSource(timeout);
        string? name = null;
        while (true)
        {
            string? line = await reader.ReadLineAsync(cancel.Token);
            if (line is null) return events;
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
            {
                events.Add((name, JsonDocument.Parse(line[6..]).RootElement.Clone()));
                onEvent?.Invoke(name, events[^1].Item2);
                if (until(name)) return events;
            }
        }
    }

    [Fact]
    public async Task OcclusionStreamsProgressThenTheMaps()
    {
        string id = await OpenSample();
        var start = await Client.PostAsync($"api/images/{id}/occlusion?layer=block3_conv3&patch=32&stride=16", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var job = JsonDocument.Parse(await start.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(9, job.GetProperty("total").GetInt32()); // corners 0, 16, 32 on each side of 64
        string jobId = job.GetProperty("id").GetString()!;

        using var stream = await Client.GetStreamAsync($"api/jobs/{jobId}/events");
        var events = await ReadEvents(stream, e => e != "progress", TimeSpan.FromSeconds(60));
        Assert.Equal("done", events[^1].Event);
        var progress = events.Where(e => e.Event == "progress").Select(e => e.Data.GetProperty("done").GetInt32()).ToArray();
        Assert.NotEmpty(progress);
        Assert.Equal(progress.Order(), progress);
        var done = events[^1].Data;
        Assert.Equal(3, done.GetProperty("rows").GetInt32());
        Assert.Equal(9, done.GetProperty("done").GetInt32());

        var map = CnnEngine.Imaging.ImageLoader.Load(await Client.GetByteArrayAsync($"api/jobs/{jobId}/activation.png"), "map");
        Assert.Equal((64, 64), (map.Width, map.Height));
        await ProblemAssert.IsProblem(await Client.GetAsync($"api/jobs/{jobId}/probability.png"), HttpStatusCode.NotFound); // no top
        await ProblemAssert.IsProblem(await Client.PostAsync($"api/images/{id}/occlusion?layer=block3_conv3&class=3", null), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Client.PostAsync($"api/images/{id}/occlusion?layer=fc2", null), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Client.PostAsync($"api/images/{id}/occlusion?patch=0", null), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CancellingARunningOcclusionStopsItAndFreesTheDevice()
    {
        string id = await OpenSample("tfkerasvis_soldiers.jpg");
        // 29 × 29 = 841 positions: minutes of work, far longer than the test waits.
        var start = await Client.PostAsync($"api/images/{id}/occlusion?layer=block5_conv3&patch=8&stride=2", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var job = JsonDocument.Parse(await start.Content.ReadAsStringAsync()).RootElement;
        string jobId = job.GetProperty("id").GetString()!;
        int total = job.GetProperty("total").GetInt32();
        Assert.Equal(841, total);

        using var stream = await Client.GetStreamAsync($"api/jobs/{jobId}/events");
        var cancelled = new TaskCompletionSource();
        var reading = ReadEvents(stream, e => e != "progress", TimeSpan.FromSeconds(60), (e, data) =>
        {
            // The first event is the job as it starts (0 done); cancel once a batch has really run.
            if (e == "progress" && data.GetProperty("done").GetInt32() > 0 && !cancelled.Task.IsCompleted)
            {
                cancelled.TrySetResult();
                _ = Client.DeleteAsync($"api/jobs/{jobId}");
            }
        });
        var events = await reading;
        Assert.True(cancelled.Task.IsCompleted, "a progress event with work done came before the end");
        Assert.Equal("cancelled", events[^1].Event);
        int doneWhenStopped = events[^1].Data.GetProperty("done").GetInt32();
        Assert.InRange(doneWhenStopped, 1, total - 1);

        var state = JsonDocument.Parse(await Client.GetStringAsync($"api/jobs/{jobId}")).RootElement;
        Assert.Equal("cancelled", state.GetProperty("status").GetString());
        await Task.Delay(300);
        Assert.Equal(doneWhenStopped, JsonDocument.Parse(await Client.GetStringAsync($"api/jobs/{jobId}")).RootElement.GetProperty("done").GetInt32());
        await ProblemAssert.IsProblem(await Client.GetAsync($"api/jobs/{jobId}/activation.png"), HttpStatusCode.NotFound);

        // The device is free again: a projection is answered at once.
        var projection = await Client.GetAsync($"api/images/{id}/layers/block3_conv1/channels/0/projection/max.png");
        Assert.Equal(HttpStatusCode.OK, projection.StatusCode);
        await ProblemAssert.IsProblem(await Client.DeleteAsync("api/jobs/nosuchjob"), HttpStatusCode.NotFound);
    }
}
