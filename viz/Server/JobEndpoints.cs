using System.Text.Json;
using CnnEngine.Viz.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CnnEngine.Viz.Server;

/// <summary>
/// Occlusion on demand: POST starts a job, GET …/events streams its progress as server-sent events (one "progress"
/// event per batch, then "done", "cancelled" or "failed"), DELETE cancels it, GET …/{map}.png returns a finished map.
/// </summary>
internal static class JobEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void Map(IEndpointRouteBuilder app, Explorer explorer, CancellationToken stopping)
    {
        app.MapPost("/api/images/{id}/occlusion", (string id, string? layer, int? patch, int? stride, int? @class) =>
        {
            var image = explorer.Get(id);
            int side = Math.Min(explorer.Network.InputHeight, explorer.Network.InputWidth);
            var job = explorer.StartOcclusion(image, layer ?? explorer.DefaultOcclusionLayer, patch ?? Math.Max(1, side * 2 / 7), stride ?? Math.Max(1, side / 7), @class);
            return Results.Json(job.State, Json, statusCode: 202);
        });

        app.MapGet("/api/jobs/{job}", (string job) => Results.Json(explorer.Job(job).State, Json));

        app.MapDelete("/api/jobs/{job}", (string job) =>
        {
            var j = explorer.Job(job);
            j.Cancel();
            return Results.Json(j.State, Json, statusCode: 202);
        });

        app.MapGet("/api/jobs/{job}/{map}.png", (HttpContext c, string job, string map) =>
        {
            var j = explorer.Job(job);
            if (!j.Maps.TryGetValue(map, out var png))
                throw LiveException.NotFound(j.Finished ? $"job {job} has no {map} map" : $"job {job} is still running");
            c.Response.Headers.CacheControl = "private, max-age=3600";
            return Results.Bytes(png, "image/png");
        });

        app.MapGet("/api/jobs/{job}/events", async (HttpContext context, string job) =>
        {
            var j = explorer.Job(job);
            var response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-store";
            response.Headers["X-Accel-Buffering"] = "no";
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            int seen = 0;   // states sent so far: a late watcher is sent the whole progression first
            try
            {
                bool finished = false;
                while (!finished)
                {
                    var wait = j.WaitForChangeAsync(seen, linked.Token);
                    var beat = Task.Delay(TimeSpan.FromSeconds(15), linked.Token);
                    if (await Task.WhenAny(wait, beat) == beat)
                    {
                        await response.WriteAsync(": keep-alive\n\n", linked.Token);
                        await response.Body.FlushAsync(linked.Token);
                        continue;
                    }
                    await wait;
                    foreach (var state in j.StatesSince(seen))
                    {
                        seen++;
                        string kind = state.Status switch
                        {
                            JobStatus.Running => "progress", JobStatus.Done => "done", JobStatus.Cancelled => "cancelled", _ => "failed",
                        };
                        await response.WriteAsync($"event: {kind}\ndata: {JsonSerializer.Serialize(state, Json)}\n\n", linked.Token);
                        await response.Body.FlushAsync(linked.Token);
                        finished = state.Status != JobStatus.Running;
                    }
                }
            }
            catch (OperationCanceledException) { }
        });
    }
}
