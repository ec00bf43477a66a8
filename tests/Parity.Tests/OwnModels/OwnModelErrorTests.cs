using CnnEngine.Model.Cnn;
using CnnEngine.TestSupport;
using CnnEngine.Weights.KerasModel;

namespace CnnEngine.Parity.Tests.OwnModels;

/// <summary>What a model the engine cannot run gets: one typed exception with one clear line naming what is wrong.</summary>
public class OwnModelErrorTests
{
    private static Exception Load(string file, string? config = null)
    {
        Python.SkipIfUnavailable();
        return Assert.ThrowsAny<KerasModelException>(() =>
        {
            using var f = KerasModelFile.Open(OwnModelFixtures.ModelFile(file), config is null ? null : OwnModelFixtures.ModelFile(config));
            KerasModelBuilder.Build(f);
        });
    }

    private static void OneLine(Exception e) => Assert.DoesNotContain('\n', e.Message);

    [SkippableFact]
    public void LambdaLayerIsNamedWithItsClassAndTheSupportedList()
    {
        var e = Assert.IsType<UnsupportedLayerException>(Load("bad_lambda.h5"));
        Assert.Equal("lambda", e.LayerName);
        Assert.Equal("Lambda", e.ClassName);
        Assert.Contains("layer 'lambda' (Lambda) is not supported", e.Message);
        Assert.Contains("Conv2D", e.Message);
        OneLine(e);
    }

    [SkippableFact]
    public void MissingWeightsNameTheLayerAndWhatTheConfigNeeds()
    {
        var e = Assert.IsType<LayerWeightsException>(Load("bad_missing.h5"));
        Assert.Equal("conv2d_1", e.LayerName);
        Assert.Contains("layer 'conv2d_1' (Conv2D) has no weights", e.Message);
        Assert.Contains("(2, 2, 8, 8)", e.Message);
        OneLine(e);
    }

    [SkippableFact]
    public void WrongShapeNamesTheLayerAndBothShapes()
    {
        var e = Assert.IsType<LayerWeightsException>(Load("bad_shape.h5"));
        Assert.Equal("conv2d", e.LayerName);
        Assert.Contains("(3, 3, 1, 8) in the file", e.Message);
        Assert.Contains("the config needs (2, 2, 1, 8)", e.Message);
        OneLine(e);
    }

    [SkippableFact]
    public void TruncatedKerasZipIsOneLine()
    {
        var e = Load("bad_truncated.keras");
        Assert.Contains("truncated or corrupt", e.Message);
        OneLine(e);
    }

    [SkippableFact]
    public void WeightsOnlyFileAsksForAConfig()
    {
        var e = Load("mnist.weights.h5");
        Assert.Contains("--config", e.Message);
        OneLine(e);
    }

    [Fact]
    public void ConfigErrorsAreOneLine()
    {
        using var dir = Paths.NewTempDir("cfg");
        string Cfg(string layers) => "{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\", \"layers\": [" + layers + "]}}";
        const string input = "{\"class_name\": \"InputLayer\", \"name\": \"in\", \"config\": {\"name\": \"in\", \"batch_input_shape\": [null, 8, 8, 3]}, \"inbound_nodes\": []}";
        // A branch: two layers read the input.
        string branch = Cfg(input + ", {\"class_name\": \"Conv2D\", \"name\": \"a\", \"config\": {\"name\": \"a\"}, \"inbound_nodes\": [[[\"in\", 0, 0, {}]]]}"
                              + ", {\"class_name\": \"Conv2D\", \"name\": \"b\", \"config\": {\"name\": \"b\"}, \"inbound_nodes\": [[[\"in\", 0, 0, {}]]]}");
        var e = Assert.ThrowsAny<KerasModelException>(() => KerasModelConfig.Parse(branch, "branch.json"));
        Assert.Contains("feeds 2 layers", e.Message);
        // An Add with two inputs.
        string add = Cfg(input + ", {\"class_name\": \"Add\", \"name\": \"add\", \"config\": {\"name\": \"add\"}, \"inbound_nodes\": [[[\"in\", 0, 0, {}], [\"in\", 0, 0, {}]]]}");
        e = Assert.ThrowsAny<KerasModelException>(() => KerasModelConfig.Parse(add, "add.json"));
        Assert.Contains("layer 'add' (Add) takes 2 inputs", e.Message);
        // channels_first.
        var cf = KerasModelConfig.Parse(Cfg(input + ", {\"class_name\": \"MaxPooling2D\", \"name\": \"p\", \"config\": {\"name\": \"p\", \"data_format\": \"channels_first\"}, \"inbound_nodes\": [[[\"in\", 0, 0, {}]]]}"), "cf.json");
        var u = Assert.Throws<UnsupportedLayerException>(() => KerasModelBuilder.Build(cf, _ => Array.Empty<KerasVariable>(), "cf", "cf.json"));
        Assert.Contains("channels_first", u.Message);
        Assert.Throws<KerasModelException>(() => KerasModelConfig.Parse("{not json", "x.json"));
    }
}
