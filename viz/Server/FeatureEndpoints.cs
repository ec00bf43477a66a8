using CnnEngine.Viz.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CnnEngine.Viz.Server;

/// <summary>
/// The dataset top-K of a channel from a <c>features</c> folder (--features DIR), and that folder's files, each
/// resolved and confined to it (no "..", no absolute path, no symbolic link leading out).
/// </summary>
internal static class FeatureEndpoints
{
    public static void Map(IEndpointRouteBuilder app, FeatureIndex? features)
    {
        FeatureIndex Need() => features ?? throw LiveException.NotFound("the server has no features folder (start it with --features DIR)");

        app.MapGet("/api/features/{layer}/{channel:int}", (string layer, int channel) =>
        {
            var c = Need().Channel(layer, channel);
            return Results.Json(new
            {
                c.Layer, c.Channel, top = c.Top,
                grid = c.GridFile is null ? null : "/features/" + Uri.EscapeDataString(c.GridFile),
            });
        });

        app.MapGet("/features/{**path}", (string path) =>
        {
            string real = Need().Folder.ResolveFile(path);
            return Results.File(real, ModelEndpoints.ContentType(real));
        });
    }
}
