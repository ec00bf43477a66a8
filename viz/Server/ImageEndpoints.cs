using CnnEngine.Viz.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CnnEngine.Viz.Server;

/// <summary>
/// Images and what is computed from them: POST an image (or a sample's name) to run the forward pass, then the
/// layer atlases, a channel large, its values, its deconv projection, the journey and the zoom; POST /api/frames for
/// the live camera.
/// </summary>
internal static class ImageEndpoints
{
    private const string Immutable = "private, max-age=3600, immutable";

    public static void Map(IEndpointRouteBuilder app, Explorer explorer, SampleFolder? samples)
    {
        app.MapPost("/api/images", async (HttpContext context, string? sample) =>
        {
            // A place in line is taken before the body is read: a full queue costs the server no upload memory.
            using var place = explorer.Queue.Reserve();
            byte[] data;
            string name;
            if (sample is not null)
            {
                if (samples is null) throw LiveException.NotFound("the server has no sample folder (start it with --samples DIR)");
                data = samples.Read(sample);
                name = sample;
            }
            else
            {
                data = await RequestBody.ReadAsync(context.Request, explorer.Options.Limits.MaxBytes, context.RequestAborted);
                name = context.Request.Headers["X-File-Name"].FirstOrDefault() is { Length: > 0 and < 200 } n ? n : "upload";
            }
            var image = await explorer.AnalyzeAsync(data, name, place, context.RequestAborted);
            return Results.Json(Describe(explorer, image));
        });

        app.MapGet("/api/images/{id}", (string id) => Results.Json(Describe(explorer, explorer.Get(id))));

        app.MapGet("/api/images/{id}/input.png", (HttpContext c, string id) => Png(c, explorer.InputPng(explorer.Get(id))));

        app.MapGet("/api/images/{id}/layers/{layer}/atlas.png", (HttpContext c, string id, string layer) =>
            Png(c, explorer.AtlasPng(explorer.Get(id), layer)));

        app.MapGet("/api/images/{id}/layers/{layer}/channels/{channel:int}.png", (HttpContext c, string id, string layer, int channel) =>
            Png(c, explorer.ChannelPng(explorer.Get(id), layer, channel)));

        app.MapGet("/api/images/{id}/layers/{layer}/channels/{channel:int}/values", (HttpContext c, string id, string layer, int channel) =>
        {
            var image = explorer.Get(id);
            var bytes = explorer.ChannelValues(image, layer, channel);
            var shape = image.Activation(layer).Shape;
            c.Response.Headers["X-Shape"] = $"{shape[1]},{shape[2]}";
            c.Response.Headers.CacheControl = Immutable;
            return Results.Bytes(bytes, "application/octet-stream");
        });

        app.MapGet("/api/images/{id}/layers/{layer}/channels/{channel:int}/projection/{mode}.png",
            async (HttpContext c, string id, string layer, int channel, string mode) =>
                Png(c, await explorer.ProjectionPngAsync(explorer.Get(id), layer, channel, mode, c.RequestAborted)));

        app.MapGet("/api/images/{id}/journey.gif", async (HttpContext c, string id) =>
            Gif(c, await explorer.JourneyGifAsync(explorer.Get(id), c.RequestAborted)));

        app.MapGet("/api/images/{id}/zoom.gif", async (HttpContext c, string id) =>
            Gif(c, await explorer.ZoomGifAsync(explorer.Get(id), c.RequestAborted)));

        app.MapPost("/api/frames", async (HttpContext context, string layer) =>
        {
            using var place = explorer.Queue.Reserve();
            var data = await RequestBody.ReadAsync(context.Request, explorer.Options.Limits.MaxBytes, context.RequestAborted);
            var frame = await explorer.FrameAsync(data, layer, place, context.RequestAborted);
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(new
            {
                frame.Layer, atlas = "data:image/png;base64," + Convert.ToBase64String(frame.AtlasPng), layout = frame.Atlas,
                top5 = frame.Top5, milliseconds = frame.Milliseconds,
            });
        });
    }

    public static object Describe(Explorer explorer, LiveImage image) => new
    {
        id = image.Id,
        name = image.Name,
        width = image.OriginalWidth,
        height = image.OriginalHeight,
        inputSide = Math.Min(explorer.Network.InputHeight, explorer.Network.InputWidth),
        input = new { height = explorer.Network.InputHeight, width = explorer.Network.InputWidth, channels = explorer.Network.InputChannels },
        top5 = image.Top5,
        layers = image.Layers,
    };

    private static IResult Png(HttpContext c, byte[] bytes)
    {
        c.Response.Headers.CacheControl = Immutable;
        return Results.Bytes(bytes, "image/png");
    }

    private static IResult Gif(HttpContext c, byte[] bytes)
    {
        c.Response.Headers.CacheControl = Immutable;
        return Results.Bytes(bytes, "image/gif");
    }
}
