using CnnEngine.Viz.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CnnEngine.Viz.Server;

/// <summary>
/// GET /api/model: the network (VGG16 or the user's model: its layers by Keras name with kind, class and output shape,
/// feature maps in <c>layers</c>, the flat head in <c>head</c>), the input (H, W, C), the weights (random or not), the
/// device, the samples and whether features are there (or why they are refused).
/// </summary>
internal static class ModelEndpoints
{
    public static void Map(IEndpointRouteBuilder app, Explorer explorer, SampleFolder? samples, FeatureIndex? features)
    {
        app.MapGet("/api/model", () => Results.Json(new
        {
            network = explorer.Network.Name,
            inputSide = Math.Min(explorer.Network.InputHeight, explorer.Network.InputWidth),
            input = new { height = explorer.Network.InputHeight, width = explorer.Network.InputWidth, channels = explorer.Network.InputChannels },
            randomWeights = explorer.RandomWeights,
            hasTop = explorer.HasTop,
            classes = explorer.Network.ClassCount,
            outputIsProbability = explorer.Network.OutputIsProbability,
            weights = explorer.WeightsSource,
            device = explorer.Device,
            animations = explorer.HasAnimations,
            zoom = explorer.HasZoom,
            layers = explorer.Network.MapLayers.Select(Layer),
            head = explorer.Network.HeadLayers.Select(Layer),
            samples = samples?.Names ?? Array.Empty<string>(),
            features = features?.Layers ?? Array.Empty<string>(),
            featuresRefused = features?.Refusal,
            limits = new { maxBytes = explorer.Options.Limits.MaxBytes, maxPixels = explorer.Options.Limits.MaxPixels },
        }));

        app.MapGet("/api/samples/{name}", (string name) =>
        {
            if (samples is null) throw LiveException.NotFound("the server has no sample folder (start it with --samples DIR)");
            var bytes = samples.Read(name);
            return Results.Bytes(bytes, ContentType(name));
        });
    }

    private static object Layer(LiveLayerInfo l) => new { name = l.Name, kind = l.Kind, kerasClass = l.KerasClass, shape = l.Shape };

    public static string ContentType(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };
}
