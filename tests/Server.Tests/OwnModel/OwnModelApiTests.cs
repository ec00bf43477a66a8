using System.Net;
using System.Text.Json;
using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Server.Tests.Api;
using CnnEngine.Viz.Deconv;
using CnnEngine.Viz.Live;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Server.Tests.OwnModel;

/// <summary>
/// <c>engine-viz serve --model FILE</c>'s API on a grayscale 60×60 Keras model: the model description (Keras names,
/// shapes, kinds, the head), grid tiles and channel values against a direct CPU forward (bit-exact), projections
/// against <see cref="CnnProjector"/> run directly (same pixels), an occlusion job to done against
/// <see cref="Occlusion.Run(Func{CnnEngine.Tensors.Tensor, CnnEngine.Taps.ILayerTap, CnnEngine.Tensors.Tensor}, CnnEngine.Tensors.Tensor, string, int?, int, int, int?, int, float[], Action{int, int})"/>
/// with the grey occluder, the camera frame, and one problem-details line for what the model cannot do.
/// </summary>
public sealed class OwnModelApiTests(OwnModelServerFixture server) : IClassFixture<OwnModelServerFixture>
{
    private const string Sample = "ozbulak_snake.png";
    private HttpClient Client => server.Client;

    private async Task<JsonElement> OpenSample()
    {
        var response = await Client.PostAsync($"api/images?sample={Sample}", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [SkippableFact]
    public async Task TheModelEndpointDescribesTheKerasLayers()
    {
        server.Require();
        var model = JsonDocument.Parse(await Client.GetStringAsync("api/model")).RootElement;
        Assert.Equal(server.Model.Name, model.GetProperty("network").GetString());
        var input = model.GetProperty("input");
        Assert.Equal((60, 60, 1), (input.GetProperty("height").GetInt32(), input.GetProperty("width").GetInt32(), input.GetProperty("channels").GetInt32()));
        // The fixture's architecture (make_keras_models.py gray_valid): 2×2 'valid' convs shrink by one, the 2×2 pool halves
        // (floor), the 1×1 pool keeps the size; dense's 12544 inputs are 28·28·16.
        var layers = model.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(new[] { "conv2d", "conv2d_1", "max_pooling2d", "conv2d_2", "max_pooling2d_1" }, layers.Select(l => l.GetProperty("name").GetString()));
        Assert.Equal(new[] { "conv", "conv", "pool", "conv", "pool" }, layers.Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal(new[] { "Conv2D", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D" }, layers.Select(l => l.GetProperty("kerasClass").GetString()));
        Assert.Equal(new[] { 1, 59, 59, 8 }, Ints(layers[0].GetProperty("shape")));
        Assert.Equal(new[] { 1, 58, 58, 8 }, Ints(layers[1].GetProperty("shape")));
        Assert.Equal(new[] { 1, 29, 29, 8 }, Ints(layers[2].GetProperty("shape")));
        Assert.Equal(new[] { 1, 28, 28, 16 }, Ints(layers[3].GetProperty("shape")));
        Assert.Equal(new[] { 1, 28, 28, 16 }, Ints(layers[4].GetProperty("shape")));
        var head = model.GetProperty("head").EnumerateArray().ToArray();
        Assert.Equal(new[] { "flatten", "dense", "dense_1" }, head.Select(l => l.GetProperty("name").GetString()));
        Assert.Equal(new[] { 1, 12544 }, Ints(head[0].GetProperty("shape")));
        Assert.Equal(new[] { 1, 10 }, Ints(head[2].GetProperty("shape")));
        Assert.Equal("dense", head[2].GetProperty("kind").GetString());
        Assert.True(model.GetProperty("hasTop").GetBoolean());
        Assert.Equal(10, model.GetProperty("classes").GetInt32());
        Assert.True(model.GetProperty("outputIsProbability").GetBoolean());
        Assert.True(model.GetProperty("animations").GetBoolean());
        Assert.True(model.GetProperty("zoom").GetBoolean()); // square input, the same fields on both axes
        Assert.False(model.GetProperty("randomWeights").GetBoolean());
        // The features folder was recorded on another model: no layers offered, and the reason given.
        Assert.Equal(0, model.GetProperty("features").GetArrayLength());
        Assert.Contains("keras:other_model", model.GetProperty("featuresRefused").GetString());
    }

    [SkippableFact]
    public async Task AnImageIsFedAsTheModelTakesItAndItsGridsAndValuesAreTheForwardsOwn()
    {
        server.Require();
        var info = await OpenSample();
        string id = info.GetProperty("id").GetString()!;
        var (image, tap, output) = server.Direct(Sample);

        // The input picture: grayscale (R = G = B) at 60×60, the pixels fed.
        var input = ImageLoader.Load(await Client.GetByteArrayAsync($"api/images/{id}/input.png"), "input");
        Assert.Equal((60, 60), (input.Width, input.Height));
        for (int p = 0; p < 60 * 60; p++)
        {
            Assert.Equal(image.Input.Data[p], input.Pixels[3 * p]);
            Assert.Equal(input.Pixels[3 * p], input.Pixels[3 * p + 2]);
        }

        // Top-5: the softmax's five largest, named "class k" (no --labels).
        var top5 = info.GetProperty("top5").EnumerateArray().ToArray();
        Assert.Equal(5, top5.Length);
        int best = Array.IndexOf(output, output.Max());
        Assert.Equal(best, top5[0].GetProperty("index").GetInt32());
        Assert.Equal($"class {best}", top5[0].GetProperty("label").GetString());
        Assert.Equal(output[best], top5[0].GetProperty("probability").GetSingle());

        foreach (string layer in new[] { "conv2d", "max_pooling2d", "conv2d_2" })
        {
            var activation = tap.Activations[layer];
            var atlas = ImageLoader.Load(await Client.GetByteArrayAsync($"api/images/{id}/layers/{layer}/atlas.png"), "atlas");
            var expected = LayerAtlas.Render(activation, Colormap.Viridis);
            Assert.Equal((expected.Width, expected.Height), (atlas.Width, atlas.Height));
            Assert.Equal(expected.Pixels, atlas.Pixels);

            int channels = activation.Shape[3], k = channels - 1;
            var bytes = await Client.GetByteArrayAsync($"api/images/{id}/layers/{layer}/channels/{k}/values");
            var values = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
            var map = activation.Image(0);
            Assert.Equal(activation.Shape[1] * activation.Shape[2], values.Length);
            for (int p = 0; p < values.Length; p++) Assert.Equal(map[p * channels + k], values[p]);
        }
        var stats = info.GetProperty("layers").EnumerateArray().First(l => l.GetProperty("name").GetString() == "conv2d_2");
        Assert.Equal(tap.Activations["conv2d_2"].Data.Max(), stats.GetProperty("max").GetSingle());

        // The camera: a frame through the same model, its atlas and top-5.
        using var frameBody = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(ServerTestPaths.SharedImages, Sample)));
        var frame = JsonDocument.Parse(await (await Client.PostAsync("api/frames?layer=conv2d_1", frameBody)).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("conv2d_1", frame.GetProperty("layer").GetString());
        Assert.Equal(best, frame.GetProperty("top5")[0].GetProperty("index").GetInt32());
    }

    [SkippableTheory]
    [InlineData("conv2d_2", "max")]
    [InlineData("max_pooling2d", "guided")]
    [InlineData("conv2d_1", "map")]
    public async Task AProjectionIsCnnProjectorsOwn(string layer, string mode)
    {
        server.Require();
        string id = (await OpenSample()).GetProperty("id").GetString()!;
        var (_, tap, _) = server.Direct(Sample);
        var activation = tap.Activations[layer];
        int channel = ProjectionSeed.StrongestChannel(activation.Image(0), activation.Shape[3]);
        var projection = new CnnProjector(server.Open()).Project(tap, layer, channel, ProjectionModes.Parse(mode));
        Assert.Equal(new[] { 1, 60, 60, 1 }, projection.Pixels.Shape);
        var expected = ProjectionPicture.Normalized(projection.Pixels, bgr: false);

        var served = ImageLoader.Load(await Client.GetByteArrayAsync($"api/images/{id}/layers/{layer}/channels/{channel}/projection/{mode}.png"), "projection");
        Assert.Equal((60, 60), (served.Width, served.Height));
        Assert.Equal(expected.Pixels, served.Pixels);
        Assert.True(served.Pixels.Max() - served.Pixels.Min() > 20, "the projection is blank");
    }

    [SkippableFact]
    public async Task AnOcclusionJobRunsToDoneWithTheGreyOccluder()
    {
        server.Require();
        string id = (await OpenSample()).GetProperty("id").GetString()!;
        var start = await Client.PostAsync($"api/images/{id}/occlusion?layer=conv2d_2&patch=20&stride=20", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var job = JsonDocument.Parse(await start.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(9, job.GetProperty("total").GetInt32()); // corners 0, 20, 40 on each side of 60
        string jobId = job.GetProperty("id").GetString()!;
        JsonElement state;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await Task.Delay(50);
            state = JsonDocument.Parse(await Client.GetStringAsync($"api/jobs/{jobId}")).RootElement.Clone();
        } while (state.GetProperty("status").GetString() == "running" && DateTime.UtcNow < deadline);
        Assert.Equal("done", state.GetProperty("status").GetString());

        // The same occlusion run directly: the occluder is grey 128 as the model is fed (raw pixels).
        var (image, _, output) = server.Direct(Sample);
        using var backend = new CnnEngine.Backends.Model.CnnCpuBackend(server.Open());
        var direct = Occlusion.Run((t, tap) => backend.Forward(t, tap), image.Input, "conv2d_2", 10, 20, 20, null, 4, new[] { 128f });
        Assert.Equal(direct.StrongestChannel, state.GetProperty("strongestChannel").GetInt32());
        Assert.Equal(Array.IndexOf(output, output.Max()), state.GetProperty("classIndex").GetInt32());
        Assert.Equal($"class {direct.ClassIndex}", state.GetProperty("classLabel").GetString());
        Assert.True(direct.Activation.Max() > direct.Activation.Min(), "the occluder changed nothing");

        var map = ImageLoader.Load(await Client.GetByteArrayAsync($"api/jobs/{jobId}/activation.png"), "map");
        var expected = ProjectionPicture.ScaleNearest(ProjectionPicture.Heatmap(direct.Activation, 3, 3, Colormap.Viridis), 60, 60);
        Assert.Equal(expected.Pixels, map.Pixels);
        var probability = ImageLoader.Load(await Client.GetByteArrayAsync($"api/jobs/{jobId}/probability.png"), "probability");
        Assert.Equal(ProjectionPicture.ScaleNearest(ProjectionPicture.Heatmap(direct.Probability!, 3, 3, Colormap.Magma), 60, 60).Pixels, probability.Pixels);
    }

    [SkippableFact]
    public async Task WhatTheModelCannotDoIsOneProblemLine()
    {
        server.Require();
        string id = (await OpenSample()).GetProperty("id").GetString()!;
        var unknown = await ProblemAssert.IsProblem(await Client.GetAsync($"api/images/{id}/layers/block5_conv3/atlas.png"), HttpStatusCode.BadRequest);
        Assert.Contains("conv2d_2", unknown.GetProperty("detail").GetString());
        await ProblemAssert.IsProblem(await Client.GetAsync($"api/images/{id}/layers/dense/channels/0/projection/max.png"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Client.GetAsync($"api/images/{id}/layers/conv2d/channels/8/projection/max.png"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Client.PostAsync($"api/images/{id}/occlusion?layer=dense_1", null), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Client.PostAsync($"api/images/{id}/occlusion?layer=conv2d&class=10", null), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Client.PostAsync($"api/images/{id}/occlusion?layer=conv2d&patch=61", null), HttpStatusCode.BadRequest);
        var features = await ProblemAssert.IsProblem(await Client.GetAsync("api/features/conv2d/0"), HttpStatusCode.Conflict);
        Assert.Contains("not on the model served", features.GetProperty("detail").GetString());
    }

    /// <summary>
    /// The journey and the zoom on the model's own conv layers: the server's GIFs are the animations of a direct forward
    /// (bit for bit), the journey has the input plus one frame per conv layer, and the zoom heads for the strongest
    /// conv2d_2 unit whose receptive field, worked out by hand from the fixture's layers (2×2 valid conv: 2 pixels;
    /// another: 3; the 2×2 pool: 4, jump 2; conv2d_2: 4 + 2 = 6), is 6 pixels wide.
    /// </summary>
    [SkippableFact]
    public async Task TheJourneyAndTheZoomAreTheModelsOwn()
    {
        server.Require();
        string id = (await OpenSample()).GetProperty("id").GetString()!;
        var (image, tap, _) = server.Direct(Sample);
        var picture = new RgbCanvas(image.Resized.Width, image.Resized.Height, image.Resized.Pixels);
        var convs = server.Model.Layers.OfType<CnnEngine.Model.Cnn.ConvLayer>().Select(l => (l.Spec, tap.Activations[l.Name])).ToArray();
        Assert.Equal(new[] { "conv2d", "conv2d_1", "conv2d_2" }, convs.Select(c => c.Spec.Name));

        var frames = CnnEngine.Viz.Animation.JourneyAnimation.BuildFrames(new CnnEngine.Viz.Animation.JourneyRequest(picture, convs, Colormap.Viridis, false, false, 600));
        Assert.Equal(1 + convs.Length, frames.Count);
        Assert.Equal(CnnEngine.Viz.Animation.GifWriter.Encode(frames), await Client.GetByteArrayAsync($"api/images/{id}/journey.gif"));

        var fields = CnnEngine.Viz.Animation.ReceptiveField.SquareConvFields(server.Model)!;
        Assert.Equal(6, fields["conv2d_2"].Size);
        var request = new CnnEngine.Viz.Animation.ZoomRequest(picture, convs, Colormap.Viridis, false, false, null, fields);
        var plan = CnnEngine.Viz.Animation.ZoomAnimation.Plan(request);
        Assert.Equal(("conv2d_2", 6), (plan.TargetLayer, plan.TargetField.Size));
        Assert.Equal(CnnEngine.Viz.Animation.GifWriter.Encode(CnnEngine.Viz.Animation.ZoomAnimation.BuildFrames(request, plan)),
            await Client.GetByteArrayAsync($"api/images/{id}/zoom.gif"));
    }

    /// <summary>A non-square model (the VGG19 fixture at 64×80): the journey is drawn, the zoom is one problem line saying why.</summary>
    [SkippableFact]
    public async Task ANonSquareModelHasAJourneyButNoZoom()
    {
        server.Require();
        CnnEngine.Model.Cnn.CnnModel model;
        using (var store = CnnEngine.Weights.WeightStore.Open(CnnEngine.TestSupport.KerasModelFiles.PathOf("vgg19_notop.h5")))
            model = CnnEngine.Model.Cnn.KerasApplicationsModels.Build("vgg19", store, 64, 80);
        var network = new CnnLiveNetwork(new CnnEngine.Backends.Model.CnnCpuBackend(model), InputPreprocess.Vgg, ResizeMode.Nearest, labels: null, "vgg19_notop.h5");
        using var explorer = new Explorer(network, new ExplorerOptions(QueueCapacity: 2, CacheBytes: 64L << 20, MaxJobs: 1, OcclusionBatch: 2));
        Assert.False(network.CanZoom);
        Assert.True(explorer.HasAnimations);
        Assert.False(explorer.HasZoom);
        var image = await explorer.AnalyzeAsync(await File.ReadAllBytesAsync(Path.Combine(ServerTestPaths.SharedImages, Sample)), Sample, explorer.Queue.Reserve());
        var journey = await explorer.JourneyGifAsync(image);
        Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(journey, 0, 6));
        var refused = await Assert.ThrowsAsync<LiveException>(() => explorer.ZoomGifAsync(image));
        Assert.Equal(LiveProblem.Unsupported, refused.Problem);
        Assert.Contains("64×80", refused.Message);
    }

    [SkippableFact]
    public void AFeaturesFolderOfThisModelIsShownAndOneOfAnotherIsRefused()
    {
        server.Require();
        using var dir = CnnEngine.TestSupport.Paths.NewTempDir("own-features");
        var top = new TopActivations(2, new Dictionary<string, int> { ["conv2d_2"] = 16 });
        top.Offer("conv2d_2", 5, new TopEntry(2.5f, "cats/a.jpg", 3, 4));
        FeatureScanState State(CnnEngine.Model.WeightsIdentity weights) => new()
        {
            Dataset = "/data", Layers = new[] { "conv2d_2" }, K = 2, Shard = ShardSpec.All, Weights = weights, Complete = true, Top = top,
        };
        var own = CnnEngine.Model.Cnn.CnnModelIdentity.Of(server.Open());
        State(own).Save(Path.Combine(dir.Path, "features.json"));
        var index = new FeatureIndex(dir.Path, server.Explorer.Network.FeaturesIdentity);
        Assert.Null(index.Refusal);
        Assert.Equal(new[] { "conv2d_2" }, index.Layers);
        Assert.Equal(2.5f, index.Channel("conv2d_2", 5).Top.Single().Value);

        // One weight changed is another model.
        State(own with { Sha256 = new string('f', 64) }).Save(Path.Combine(dir.Path, "features.json"));
        var other = new FeatureIndex(dir.Path, server.Explorer.Network.FeaturesIdentity);
        Assert.NotNull(other.Refusal);
        Assert.Empty(other.Layers);
        Assert.Equal(LiveProblem.Conflict, Assert.Throws<LiveException>(() => other.Channel("conv2d_2", 5)).Problem);
    }

    [Theory]
    [InlineData("/no/such/model.h5")]
    public void ServeOnAMissingModelFileFailsWithOneLine(string path)
    {
        Assert.NotEqual(0, CnnEngine.Viz.Cli.EngineVizCli.Run(new[] { "serve", "--model", path, "--port", "0" }));
    }

    [SkippableFact]
    public void ServeRefusesVggPreprocessingOnAGrayscaleModel()
    {
        server.Require();
        Assert.Equal(2, CnnEngine.Viz.Cli.EngineVizCli.Run(new[] { "serve", "--model", server.ModelPath, "--preprocess", "vgg", "--port", "0" }));
    }
}
