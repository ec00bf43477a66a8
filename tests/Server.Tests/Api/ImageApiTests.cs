using System.Net;
using System.Text.Json;
using CnnEngine.Backends.Cpu;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Server.Tests.Api;

/// <summary>The JSON/PNG API on loopback with HttpClient: a sample through the whole path, and every kind of bad request.</summary>
public sealed class ImageApiTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private HttpClient Client => server.Client;

    private async Task<JsonElement> OpenSample(string name = "ozbulak_snake.png")
    {
        var response = await Client.PostAsync($"api/images?sample={name}", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public void TheServerListensOnLoopbackOnly()
    {
        Assert.Equal("127.0.0.1", server.Server.Url.Host);
        Assert.True(server.Server.Url.Port > 0);
    }

    [Fact]
    public async Task TheModelListsTheLayersWithTheirShapesAndTheSamples()
    {
        var model = JsonDocument.Parse(await Client.GetStringAsync("api/model")).RootElement;
        var layers = model.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(18, layers.Length);
        Assert.Equal("block1_conv1", layers[0].GetProperty("name").GetString());
        Assert.Equal(new[] { 1, 64, 64, 64 }, layers[0].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(new[] { 1, 2, 2, 512 }, layers[^1].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(model.GetProperty("randomWeights").GetBoolean());
        Assert.False(model.GetProperty("hasTop").GetBoolean());
        var samples = model.GetProperty("samples").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Contains("tfkerasvis_bear.jpg", samples);
        Assert.Equal(new[] { "block5_conv3" }, model.GetProperty("features").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task ASampleGivesAtlasesChannelValuesAndProjectionsOfItsOwnForwardPass()
    {
        var info = await OpenSample();
        string id = info.GetProperty("id").GetString()!;
        var layer = info.GetProperty("layers").EnumerateArray().First(l => l.GetProperty("name").GetString() == "block2_conv1");
        var atlas = layer.GetProperty("atlas");

        // The atlas decodes (with our own PNG decoder) at the size its layout announces.
        var png = ImageLoader.Load(await Client.GetByteArrayAsync($"api/images/{id}/layers/block2_conv1/atlas.png"), "atlas");
        Assert.Equal(atlas.GetProperty("width").GetInt32(), png.Width);
        Assert.Equal(atlas.GetProperty("height").GetInt32(), png.Height);
        Assert.Equal(128, atlas.GetProperty("channels").GetInt32());

        // The values are channel k of block2_conv1 of a forward pass we run here on the same picture.
        using var weights = Vgg16Weights.Random(16, includeTop: false);
        using var backend = new CpuBackend(weights);
        var picture = ImagePipeline.Prepare(ImageLoader.Load(Path.Combine(ServerTestPaths.SharedImages, "ozbulak_snake.png")), new ImageSize(64, 64), ResizeMode.Nearest);
        var tap = new RecordingTap(new[] { "block2_conv1" });
        backend.Forward(picture.Input, tap);
        var expected = tap.Activations["block2_conv1"]; // (1, 32, 32, 128)
        int k = Enumerable.Range(0, 128).First(c => Enumerable.Range(0, 32 * 32).Any(p => expected.Data[p * 128 + c] > 0));
        var bytes = await Client.GetByteArrayAsync($"api/images/{id}/layers/block2_conv1/channels/{k}/values");
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        Assert.Equal(32 * 32, values.Length);
        for (int p = 0; p < values.Length; p++) Assert.Equal(expected.Data[p * 128 + k], values[p], 1e-4f * expected.Data.Max());

        var channel = ImageLoader.Load(await Client.GetByteArrayAsync($"api/images/{id}/layers/block2_conv1/channels/{k}.png"), "channel");
        Assert.Equal((32, 32), (channel.Width, channel.Height));

        foreach (var mode in new[] { "max", "map", "guided" })
        {
            var projection = ImageLoader.Load(await Client.GetByteArrayAsync($"api/images/{id}/layers/block2_conv1/channels/{k}/projection/{mode}.png"), mode);
            Assert.Equal((64, 64), (projection.Width, projection.Height));
            Assert.True(projection.Pixels.Max() - projection.Pixels.Min() > 20, $"{mode} projection is flat");
        }
    }

    [Fact]
    public async Task TheSameBytesGetTheSameIdAndAnUploadWorksLikeASample()
    {
        var sample = await OpenSample("tfkerasvis_goldfish.jpg");
        var upload = await Client.PostAsync("api/images", new ByteArrayContent(File.ReadAllBytes(Path.Combine(ServerTestPaths.SharedImages, "tfkerasvis_goldfish.jpg"))));
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var info = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(sample.GetProperty("id").GetString(), info.GetProperty("id").GetString());
    }

    [Fact]
    public async Task JourneyAndZoomAreGifs()
    {
        string id = (await OpenSample("ozbulak_spider.png")).GetProperty("id").GetString()!;
        foreach (var name in new[] { "journey.gif", "zoom.gif" })
        {
            var bytes = await Client.GetByteArrayAsync($"api/images/{id}/{name}");
            Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(bytes, 0, 6));
        }
    }

    [Fact]
    public async Task GarbageUploadsAreProblemDetails()
    {
        var random = new byte[5000];
        new Random(3).NextBytes(random);
        await ProblemAssert.IsProblem(await Client.PostAsync("api/images", new ByteArrayContent(random)), HttpStatusCode.UnprocessableEntity);
        await ProblemAssert.IsProblem(await Client.PostAsync("api/images", new ByteArrayContent(Array.Empty<byte>())), HttpStatusCode.UnprocessableEntity);
        // A real PNG cut in half: the decoder's own error, as problem details.
        var png = PngWriter.Encode(Enumerable.Range(0, 64 * 64 * 3).Select(i => (byte)(i * 7)).ToArray(), 64, 64, 3);
        var problem = await ProblemAssert.IsProblem(await Client.PostAsync("api/images", new ByteArrayContent(png[..(png.Length / 2)])), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("upload", problem.GetProperty("detail").GetString());
        var gif = "GIF89a\x01\0\x01\0"u8.ToArray();
        var gifProblem = await ProblemAssert.IsProblem(await Client.PostAsync("api/images", new ByteArrayContent(gif)), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("GIF", gifProblem.GetProperty("detail").GetString());
        Assert.Equal(0, server.Explorer.Queue.Reserved);
    }

    [Fact]
    public async Task AnOversizeImageIsRefusedFromItsHeaderBeforeDecoding()
    {
        // 3000×2000 = 6 MP is over this server's 4 MP, far under the decoder's own 100 MP limit: a 413 that names
        // megapixels can only come from the header check (the decoder would call these few bytes corrupt).
        var png = PngHeader(3000, 2000);
        var problem = await ProblemAssert.IsProblem(await Client.PostAsync("api/images", new ByteArrayContent(png)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("megapixels", problem.GetProperty("detail").GetString());

        var jpeg = JpegHeader(2500, 2500);
        problem = await ProblemAssert.IsProblem(await Client.PostAsync("api/images", new ByteArrayContent(jpeg)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("megapixels", problem.GetProperty("detail").GetString());

        // The control: the same header under the limit goes on to the decoder, which finds the pixels missing.
        await ProblemAssert.IsProblem(await Client.PostAsync("api/images", new ByteArrayContent(PngHeader(100, 100))), HttpStatusCode.UnprocessableEntity);

        // More bytes than allowed: refused from Content-Length, before the body is read (with Expect: 100-continue the
        // client waits for that answer instead of writing into a connection the server has stopped reading).
        var big = new byte[(2 << 20) + 10];
        PngHeader(64, 64).CopyTo(big, 0);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/images") { Content = new ByteArrayContent(big) };
        request.Headers.ExpectContinue = true;
        await ProblemAssert.IsProblem(await Client.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task BadNamesAreProblemDetails()
    {
        string id = (await OpenSample()).GetProperty("id").GetString()!;
        await ProblemAssert.IsProblem(await Client.GetAsync($"api/images/{id}/layers/fc1/atlas.png"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Client.GetAsync($"api/images/{id}/layers/block1_conv1/channels/64.png"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Client.GetAsync($"api/images/{id}/layers/block1_conv1/channels/0/projection/sideways.png"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Client.GetAsync("api/images/0123456789-64/input.png"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await Client.PostAsync("api/images?sample=..%2F..%2Fetc%2Fpasswd", null), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await Client.GetAsync("api/samples/..%2Fshared%2Fimages%2Fozbulak_snake.png"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await Client.GetAsync("no/such/page"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await Client.PutAsync("api/model", null), HttpStatusCode.MethodNotAllowed);
        var missing = await ProblemAssert.IsProblem(await Client.PostAsync("api/frames", new ByteArrayContent(PngHeader(8, 8))), HttpStatusCode.BadRequest);
        Assert.Contains("parameter", missing.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ThePageAndItsScriptAreServedWithNoOutsideResource()
    {
        string html = await Client.GetStringAsync("/");
        string js = await Client.GetStringAsync("app.js");
        string css = await Client.GetStringAsync("app.css");
        foreach (var text in new[] { html, js, css })
            Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?(https?:)?//|url\(\s*['""]?(https?:)?//|https?://", text);
        Assert.Contains("app.js", html);
    }

    internal static byte[] PngHeader(int width, int height)
    {
        var bytes = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 };
        bytes.AddRange("IHDR"u8.ToArray());
        bytes.AddRange(BigEndian(width)); bytes.AddRange(BigEndian(height));
        bytes.AddRange(new byte[] { 8, 2, 0, 0, 0, 0, 0, 0, 0 }); // depth, RGB, …, a (wrong) CRC
        return bytes.ToArray();
    }

    internal static byte[] JpegHeader(int width, int height) => new byte[]
    {
        0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
        0xFF, 0xC0, 0, 17, 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
    };

    private static byte[] BigEndian(int v) => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v };
}
