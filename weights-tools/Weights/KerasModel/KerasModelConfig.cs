using System.Text.Json;

namespace CnnEngine.Weights.KerasModel;

/// <summary>
/// The architecture of a saved Keras model, read from its config JSON — root attribute model_config of a Keras 2 /
/// tf.keras / Keras 3 legacy .h5, config.json of a Keras 3 .keras zip, or model.to_json() — as the chain of layers
/// from the input to the output.
///
/// Fields relied on: top-level "class_name" (Sequential | Functional | Model) and "config"; config "layers" (or, Keras
/// ≤ 2.2, config being the list itself); per layer "class_name", "config" and config "name" (Keras 2 also has
/// "name" beside "class_name"). The input size comes from the InputLayer's "batch_input_shape" (Keras 2) or
/// "batch_shape" (Keras 3), else the first layer's "batch_input_shape", else Sequential's "build_input_shape".
/// Functional models: each layer's "inbound_nodes" — Keras 2 [[["prev", 0, 0, {}]]], Keras 3
/// [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["prev", 0, 0]}}], "kwargs": {}}] — must
/// make one chain from the single input to the single output.
/// </summary>
public sealed class KerasModelConfig
{
    /// <summary>Config JSON larger than this is refused (real CNN configs are tens of kilobytes).</summary>
    public const int MaxConfigBytes = 16 << 20;

    public string ModelName { get; }
    public string ModelClass { get; }
    /// <summary>The layers in forward order, the InputLayer excluded.</summary>
    public IReadOnlyList<KerasLayerConfig> Layers { get; }
    /// <summary>(H, W, C) of one input image, as the config gives it; null entries where the model accepts any size.</summary>
    public int?[] InputShape { get; }
    /// <summary>Name of the InputLayer (or "input" when the config has none).</summary>
    public string InputName { get; }

    private KerasModelConfig(string name, string cls, IReadOnlyList<KerasLayerConfig> layers, int?[] input, string inputName)
    {
        ModelName = name; ModelClass = cls; Layers = layers; InputShape = input; InputName = inputName;
    }

    public static KerasModelConfig Parse(string json, string source)
    {
        if (json.Length > MaxConfigBytes) throw new KerasModelException($"{source}: model config is {json.Length} bytes, more than the {MaxConfigBytes >> 20} MiB accepted");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 }); }
        catch (JsonException e) { throw new KerasModelException($"{source}: model config is not valid JSON: {e.Message}", e); }
        using (doc) return Parse(doc.RootElement, source);
    }

    private static KerasModelConfig Parse(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("class_name", out var clsEl) || clsEl.ValueKind != JsonValueKind.String)
            throw new KerasModelException($"{source}: model config has no class_name: not a Keras model config");
        string cls = clsEl.GetString()!;
        if (!root.TryGetProperty("config", out var config))
            throw new KerasModelException($"{source}: model config of class {cls} has no 'config'");
        JsonElement layersEl = config.ValueKind == JsonValueKind.Array ? config
            : config.ValueKind == JsonValueKind.Object && config.TryGetProperty("layers", out var l) && l.ValueKind == JsonValueKind.Array ? l
            : throw new KerasModelException($"{source}: model of class {cls} has no layer list: only Sequential and Functional models are supported");
        string name = config.ValueKind == JsonValueKind.Object && config.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : cls.ToLowerInvariant();

        var all = new List<(KerasLayerConfig Layer, JsonElement Raw)>();
        foreach (var layerEl in layersEl.EnumerateArray())
        {
            if (layerEl.ValueKind != JsonValueKind.Object || !layerEl.TryGetProperty("class_name", out var lc) || lc.ValueKind != JsonValueKind.String)
                throw new KerasModelException($"{source}: a layer of the model config has no class_name");
            var lcfg = layerEl.TryGetProperty("config", out var c) ? c.Clone() : default;
            string? lname = lcfg.ValueKind == JsonValueKind.Object && lcfg.TryGetProperty("name", out var ln) && ln.ValueKind == JsonValueKind.String ? ln.GetString()
                : layerEl.TryGetProperty("name", out var ln2) && ln2.ValueKind == JsonValueKind.String ? ln2.GetString() : null;
            lname ??= $"{lc.GetString()!.ToLowerInvariant()}_{all.Count}";
            all.Add((new KerasLayerConfig(lname, lc.GetString()!, lcfg, source), layerEl));
        }
        if (all.Count == 0) throw new KerasModelException($"{source}: the model has no layers");
        if (all.Select(a => a.Layer.Name).Distinct().Count() != all.Count)
            throw new KerasModelException($"{source}: two layers share a name");

        bool functional = cls is "Functional" or "Model";
        if (!functional && cls != "Sequential")
            throw new KerasModelException($"{source}: model class {cls} is not supported: only Sequential and Functional (Model) models are");
        List<KerasLayerConfig> chain = functional ? FunctionalChain(all, source) : all.Select(a => a.Layer).ToList();

        var inputLayer = chain.FirstOrDefault(x => x.ClassName == "InputLayer");
        if (inputLayer is not null && chain.IndexOf(inputLayer) != 0)
            throw new KerasModelException($"{source}: InputLayer '{inputLayer.Name}' is not the first layer");
        int?[]? shape = inputLayer is not null
            ? (Shape(inputLayer, "batch_input_shape") ?? Shape(inputLayer, "batch_shape") ?? ShapeNoBatch(inputLayer, "shape"))
            : chain.Count > 0 ? Shape(chain[0], "batch_input_shape") ?? Shape(chain[0], "batch_shape") : null;
        if (shape is null && !functional && config.ValueKind == JsonValueKind.Object && config.TryGetProperty("build_input_shape", out var bis))
            shape = ShapeFrom(bis, source, "build_input_shape");
        if (shape is null)
            throw new KerasModelException($"{source}: the config gives no input shape (no InputLayer batch_input_shape / batch_shape)");
        if (shape.Length != 3)
            throw new KerasModelException($"{source}: the input has shape {FormatShape(shape)} per image: only images (height, width, channels) are supported");
        var layers = chain.Where(x => x.ClassName != "InputLayer").ToList();
        return new KerasModelConfig(name, cls, layers, shape, inputLayer?.Name ?? "input");
    }

    private static int?[]? Shape(KerasLayerConfig layer, string key)
    {
        if (layer.Get(key) is not { } v) return null;
        var s = ShapeFrom(v, layer.Source, key);
        return s.Length >= 1 ? s[1..] : s; // drop the batch dimension
    }

    private static int?[]? ShapeNoBatch(KerasLayerConfig layer, string key) =>
        layer.Get(key) is { } v ? ShapeFrom(v, layer.Source, key) : null;

    private static int?[] ShapeFrom(JsonElement v, string source, string key)
    {
        if (v.ValueKind != JsonValueKind.Array) throw new KerasModelException($"{source}: {key} is {v.GetRawText()}, not a list");
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (int?)null
            : e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i) && i > 0 ? i
            : throw new KerasModelException($"{source}: {key} holds {e.GetRawText()}")).ToArray();
    }

    public static string FormatShape(int?[] shape) =>
        "(" + string.Join(", ", shape.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "None")) + ")";

    /// <summary>The layers of a Functional config ordered from input to output; throws unless they form one chain.</summary>
    private static List<KerasLayerConfig> FunctionalChain(List<(KerasLayerConfig Layer, JsonElement Raw)> all, string source)
    {
        var producer = new Dictionary<string, string?>();
        foreach (var (layer, raw) in all)
        {
            var inputs = new List<string>();
            if (raw.TryGetProperty("inbound_nodes", out var nodes) && nodes.ValueKind == JsonValueKind.Array)
            {
                if (nodes.GetArrayLength() > 1)
                    throw new KerasModelException($"{source}: layer '{layer.Name}' ({layer.ClassName}) is called {nodes.GetArrayLength()} times (shared layer): only chains of layers are supported");
                foreach (var node in nodes.EnumerateArray()) CollectInputs(node, inputs);
            }
            if (inputs.Count > 1)
                throw new KerasModelException($"{source}: layer '{layer.Name}' ({layer.ClassName}) takes {inputs.Count} inputs ({string.Join(", ", inputs)}): only models whose layers form one chain are supported");
            producer[layer.Name] = inputs.Count == 1 ? inputs[0] : null;
        }
        var byName = all.ToDictionary(a => a.Layer.Name, a => a.Layer);
        foreach (var (name, from) in producer)
            if (from is not null && !byName.ContainsKey(from))
                throw new KerasModelException($"{source}: layer '{name}' takes its input from '{from}', which is not in the model");
        var starts = producer.Where(p => p.Value is null).Select(p => p.Key).ToList();
        if (starts.Count != 1)
            throw new KerasModelException($"{source}: the model has {starts.Count} inputs ({string.Join(", ", starts)}): only single-input chains are supported");
        var consumers = producer.Where(p => p.Value is not null).GroupBy(p => p.Value!).ToDictionary(g => g.Key, g => g.Select(p => p.Key).ToList());
        var chain = new List<KerasLayerConfig>();
        string? current = starts[0];
        while (current is not null)
        {
            chain.Add(byName[current]);
            if (!consumers.TryGetValue(current, out var next)) break;
            if (next.Count > 1)
                throw new KerasModelException($"{source}: the output of layer '{current}' feeds {next.Count} layers ({string.Join(", ", next)}): only chains are supported");
            current = next[0];
        }
        if (chain.Count != all.Count)
            throw new KerasModelException($"{source}: layers {string.Join(", ", all.Select(a => a.Layer.Name).Except(chain.Select(c => c.Name)))} are not on the chain from the input: only chains are supported");
        return chain;
    }

    /// <summary>Every producer layer named by a node, in both the Keras 2 and the Keras 3 node formats.</summary>
    private static void CollectInputs(JsonElement node, List<string> inputs)
    {
        if (node.ValueKind == JsonValueKind.Array)
        {
            // Keras 2: a node is a list of [name, node_index, tensor_index, kwargs].
            foreach (var t in node.EnumerateArray())
            {
                if (t.ValueKind == JsonValueKind.Array && t.GetArrayLength() >= 3 && t[0].ValueKind == JsonValueKind.String) inputs.Add(t[0].GetString()!);
                else CollectInputs(t, inputs);
            }
            return;
        }
        if (node.ValueKind != JsonValueKind.Object) return;
        // Keras 3: a serialized call; every "keras_history": [name, node, tensor] inside "args" is one input.
        if (node.TryGetProperty("keras_history", out var h) && h.ValueKind == JsonValueKind.Array && h.GetArrayLength() >= 1 && h[0].ValueKind == JsonValueKind.String)
        {
            inputs.Add(h[0].GetString()!);
            return;
        }
        foreach (var p in node.EnumerateObject())
            if (p.Name != "kwargs") CollectInputs(p.Value, inputs);
    }
}
