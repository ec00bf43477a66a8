using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CnnEngine.Viz.Server;

/// <summary>The page itself: index.html, app.css, app.js, embedded in the assembly (no build step, no CDN: it works offline).</summary>
internal static class PageEndpoints
{
    private static readonly Dictionary<string, string> Types = new()
    {
        [".html"] = "text/html; charset=utf-8", [".css"] = "text/css; charset=utf-8", [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Page("index.html"));
        app.MapGet("/index.html", () => Page("index.html"));
        app.MapGet("/app.js", () => Page("app.js"));
        app.MapGet("/app.css", () => Page("app.css"));
        app.MapGet("/favicon.svg", () => Page("favicon.svg"));
        app.MapGet("/favicon.ico", () => Page("favicon.svg"));
    }

    private static IResult Page(string name)
    {
        var bytes = Read(name);
        return Results.Bytes(bytes, Types[Path.GetExtension(name)]);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Cache = new();

    public static byte[] Read(string name) => Cache.GetOrAdd(name, n =>
    {
        using var stream = typeof(PageEndpoints).Assembly.GetManifestResourceStream("page/" + n)
            ?? throw new InvalidOperationException($"page/{n} is not embedded in engine-viz");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });
}
