using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace CnnEngine.Server.Tests.Api;

/// <summary>--features DIR: the dataset top-K of a channel, and that folder's files, never anything outside it.</summary>
public sealed class FeaturesConfinementTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task AChannelLinksToItsDatasetTopKAndTheLayerGrid()
    {
        var json = JsonDocument.Parse(await Client.GetStringAsync("api/features/block5_conv3/3")).RootElement;
        var top = json.GetProperty("top").EnumerateArray().ToArray();
        Assert.Equal(new[] { "cats/a.jpg", "dogs/b.jpg" }, top.Select(t => t.GetProperty("image").GetString()));
        Assert.Equal(7.5f, top[0].GetProperty("value").GetSingle());
        string grid = json.GetProperty("grid").GetString()!;
        Assert.Equal("/features/features_block5_conv3.png", grid);
        var png = await Client.GetAsync(grid);
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        await ProblemAssert.IsProblem(await Client.GetAsync("api/features/block4_conv3/3"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await Client.GetAsync("api/features/block5_conv3/512"), HttpStatusCode.BadRequest);
    }

    public static TheoryData<string> Escapes => new()
    {
        "features/..%2Fsecret.png",
        "features/%2e%2e%2fsecret.png",
        "features/%2E%2E/secret.png",
        "features/..%5Csecret.png",
        "features/%2Ftmp%2Fsecret.png",
        "features/escape.png",               // a symbolic link to the secret (absolute target)
        "features/relative-escape.png",      // a symbolic link to ../secret.png
        "features/up/secret.png",            // through a link to the parent folder
        "features/up/features/escape.png",
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task PathsLeadingOutOfTheFolderAreNotFound(string path)
    {
        var response = await Client.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(ServerFixture.SecretText, body);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/features/secret.png%00.png")]
    [InlineData("/features/features.json%00")]
    [InlineData("/features/../secret.png")]
    [InlineData("/features/./../secret.png")]
    [InlineData("/features/%2e%2e/secret.png")]
    [InlineData("/features/..\\secret.png")]
    [InlineData("/features//../secret.png")]
    public async Task RawRequestsThatHttpClientWouldNormalizeOrKestrelRefusesDoNotEscapeEither(string target)
    {
        // HttpClient removes dot segments itself; a raw request line reaches the server exactly as written (Kestrel
        // answers a NUL in the path with 400 before any endpoint runs).
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Server.Url.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        string answer = await reader.ReadToEndAsync();
        Assert.DoesNotContain(ServerFixture.SecretText, answer);
        Assert.Matches(@"^HTTP/1\.1 (400|404) ", answer);
    }

    [Fact]
    public async Task TheFeaturesJsonItselfIsReadable()
    {
        // The positive control for the escapes above: a plain file inside the folder is served.
        var response = await Client.GetAsync("features/features.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("cnn-engine-deconv-features/2", await response.Content.ReadAsStringAsync());
    }
}
