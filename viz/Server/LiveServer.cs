using System.Net;
using CnnEngine.Viz.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CnnEngine.Viz.Server;

/// <summary>
/// The HTTP face of the live explorer: Kestrel and minimal APIs over one <see cref="Explorer"/>. Serves the page
/// (embedded HTML/CSS/JS) and a JSON/PNG API; every error is problem details. Start it, read <see cref="Url"/>,
/// and stop it (Ctrl-C in the CLI, <see cref="DisposeAsync"/> in tests).
/// </summary>
public sealed class LiveServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LiveServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Where the page is, e.g. http://127.0.0.1:8080/.</summary>
    public Uri Url { get; }

    public static async Task<LiveServer> StartAsync(Explorer explorer, ServerSettings settings, CancellationToken cancel = default)
    {
        var samples = settings.SamplesFolder is null ? null : new SampleFolder(settings.SamplesFolder);
        var features = settings.FeaturesFolder is null ? null : new FeatureIndex(settings.FeaturesFolder, explorer.Network.FeaturesIdentity);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = Array.Empty<string>(), EnvironmentName = Environments.Production, ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Our own check answers oversize uploads with a clear message; this is the backstop for anything else.
            k.Limits.MaxRequestBodySize = explorer.Options.Limits.MaxBytes + 1;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxConcurrentConnections = 256;
            if (IPAddress.TryParse(settings.Host.Trim('[', ']'), out var ip)) k.Listen(ip, settings.Port);
            else if (settings.Host == "localhost") k.ListenLocalhost(settings.Port);
            else k.ListenAnyIP(settings.Port);
        });

        var app = builder.Build();
        app.Use(Problems.Middleware);
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; " +
                                            "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
            await next(context);
        });
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(explorer.CancelAll);

        PageEndpoints.Map(app);
        ModelEndpoints.Map(app, explorer, samples, features);
        ImageEndpoints.Map(app, explorer, samples);
        JobEndpoints.Map(app, explorer, lifetime.ApplicationStopping);
        FeatureEndpoints.Map(app, features);

        await app.StartAsync(cancel);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var bound = new Uri(addresses.First());
        string shownHost = settings.Host is "0.0.0.0" or "::" or "[::]" ? "127.0.0.1" : settings.Host;
        if (IPAddress.TryParse(shownHost.Trim('[', ']'), out var shownIp) && shownIp.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            shownHost = $"[{shownIp}]";
        return new LiveServer(app, new Uri($"http://{shownHost}:{bound.Port}/"));
    }

    /// <summary>Completes when the server is stopped (Ctrl-C / SIGTERM, or <paramref name="cancel"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
