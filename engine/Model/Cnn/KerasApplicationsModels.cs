using System.Text.Json;
using CnnEngine.Weights;
using CnnEngine.Weights.KerasModel;

namespace CnnEngine.Model.Cnn;

/// <summary>
/// keras.applications.VGG16 and VGG19 as <see cref="CnnModel"/>s, built from the same config Keras writes for them
/// (conv 3×3 'same' ReLU blocks, 2×2 max pools, and with the top Flatten, fc1, fc2, predictions) and the weights of a
/// keras-applications release file (or any store whose tensors are named "&lt;layer&gt;.kernel" / "&lt;layer&gt;.bias").
/// </summary>
public static class KerasApplicationsModels
{
    public static readonly IReadOnlyDictionary<string, int[]> ConvsPerBlock = new Dictionary<string, int[]>
    {
        ["vgg16"] = new[] { 2, 2, 3, 3, 3 },
        ["vgg19"] = new[] { 2, 2, 4, 4, 4 },
    };

    /// <summary>The keras-applications file names (the top one first), as Keras's cache holds them.</summary>
    public static IReadOnlyList<string> FileNames(string model) => new[]
    {
        $"{model}_weights_tf_dim_ordering_tf_kernels.h5",
        $"{model}_weights_tf_dim_ordering_tf_kernels_notop.h5",
    };

    /// <summary>The model config JSON keras.applications writes (Functional, Keras 2 spelling).</summary>
    public static string ConfigJson(string model, bool includeTop, int height, int width)
    {
        if (!ConvsPerBlock.TryGetValue(model, out var blocks)) throw new ArgumentException($"unknown built-in model {model}: vgg16 or vgg19");
        var layers = new List<(string Name, string Class, Dictionary<string, object?> Config)>
        {
            ("input_1", "InputLayer", new() { ["batch_input_shape"] = new object?[] { null, height, width, 3 }, ["name"] = "input_1" }),
        };
        int[] widths = { 64, 128, 256, 512, 512 };
        for (int b = 0; b < 5; b++)
        {
            for (int i = 1; i <= blocks[b]; i++)
                layers.Add(($"block{b + 1}_conv{i}", "Conv2D", new()
                {
                    ["name"] = $"block{b + 1}_conv{i}", ["filters"] = widths[b], ["kernel_size"] = new[] { 3, 3 }, ["strides"] = new[] { 1, 1 },
                    ["padding"] = "same", ["activation"] = "relu", ["use_bias"] = true,
                }));
            layers.Add(($"block{b + 1}_pool", "MaxPooling2D", new() { ["name"] = $"block{b + 1}_pool", ["pool_size"] = new[] { 2, 2 }, ["strides"] = new[] { 2, 2 }, ["padding"] = "valid" }));
        }
        if (includeTop)
        {
            layers.Add(("flatten", "Flatten", new() { ["name"] = "flatten" }));
            layers.Add(("fc1", "Dense", new() { ["name"] = "fc1", ["units"] = 4096, ["activation"] = "relu" }));
            layers.Add(("fc2", "Dense", new() { ["name"] = "fc2", ["units"] = 4096, ["activation"] = "relu" }));
            layers.Add(("predictions", "Dense", new() { ["name"] = "predictions", ["units"] = 1000, ["activation"] = "softmax" }));
        }
        var json = new
        {
            class_name = "Functional",
            config = new
            {
                name = model,
                layers = layers.Select((l, i) => new Dictionary<string, object?>
                {
                    ["class_name"] = l.Class, ["name"] = l.Name, ["config"] = l.Config,
                    ["inbound_nodes"] = i == 0 ? Array.Empty<object>() : new object[] { new object[] { new object[] { layers[i - 1].Name, 0, 0, new { } } } },
                }).ToArray(),
            },
        };
        return JsonSerializer.Serialize(json);
    }

    /// <summary>
    /// Builds VGG16 / VGG19 on an opened weights store; the top is used when the store has fc1, fc2 and predictions
    /// (the input is then 224×224); otherwise <paramref name="height"/>×<paramref name="width"/> (at least 32).
    /// </summary>
    public static CnnModel Build(string model, IWeightStore store, int height = 224, int width = 224)
    {
        bool top = new[] { "fc1", "fc2", "predictions" }.All(l => store.Contains(l + ".kernel"));
        if (top) (height, width) = (224, 224);
        var config = KerasModelConfig.Parse(ConfigJson(model, top, height, width), model);
        IReadOnlyList<KerasVariable> WeightsOf(string layer)
        {
            var result = new List<KerasVariable>();
            foreach (string role in new[] { "kernel", "bias" })
            {
                string name = $"{layer}.{role}";
                if (!store.Contains(name)) continue;
                result.Add(new KerasVariable(name, store.GetShape(name), store.GetTensor(name).ToArray()));
            }
            return result;
        }
        return KerasModelBuilder.Build(config, WeightsOf, $"{store.SourcePath} ({model}{(top ? "" : ", no top")})", store.SourcePath);
    }
}
