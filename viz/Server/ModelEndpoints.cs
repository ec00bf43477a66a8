using CnnEngine.Viz.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CnnEngine.Viz.Server;

/// <summary>GET /api/model: the network, the weights (random or not), the device, the samples and whether features are there.</summary>
internal static class ModelEndpoints
{
    public static void Map(IEndpointRouteBuilder app, Explorer explorer, SampleFolder? samples, FeatureIndex? features)
    {
        app.MapGet("/api/model", () => Results.Json(new
        {
            network = "VGG16",
            inputSide = explorer.Options.InputSide,
            randomWeights = explorer.RandomWeights,
            hasTop = explorer.HasTop,
            weights = explorer.WeightsSource,
            device = explorer.Device,
            layers = explorer.LayerShapes().Select(l => new { name = l.Layer.Name, kind = l.Layer.IsPool ? "pool" : "conv", shape = l.Shape }),
            samples = samples?.Names ?? Array.Empty<string>(),
            features = features?.Layers ?? Array.Empty<string>(),
            limits = new { maxBytes = explorer.Options.Limits.MaxBytes, maxPixels = explorer.Options.Limits.MaxPixels },
        }));

        app.MapGet("/api/samples/{name}", (string name) =>
        {
            if (samples is null) throw LiveException.NotFound("the server has no sample folder (start it with --samples DIR)");
            var bytes = samples.Read(name);
            return Results.Bytes(bytes, ContentType(name));
        });
    }

    public static string ContentType(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };
}
