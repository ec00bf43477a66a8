namespace CnnEngine.Viz.Server;

/// <summary>Where <c>engine-viz serve</c> listens and which folders it may read.</summary>
/// <param name="Host">Address to bind; 127.0.0.1 unless the user asks otherwise.</param>
/// <param name="Port">TCP port; 0 picks a free one (tests).</param>
/// <param name="SamplesFolder">Sample photos offered on the page, or null.</param>
/// <param name="FeaturesFolder">An <c>engine-viz features</c> output folder, or null.</param>
public sealed record ServerSettings(string Host = "127.0.0.1", int Port = 8080, string? SamplesFolder = null, string? FeaturesFolder = null)
{
    /// <summary>True when only this machine can connect.</summary>
    public bool IsLoopback => Host is "localhost" || (System.Net.IPAddress.TryParse(Host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
