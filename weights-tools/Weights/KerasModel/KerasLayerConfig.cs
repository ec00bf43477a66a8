using System.Globalization;
using System.Text.Json;

namespace CnnEngine.Weights.KerasModel;

/// <summary>
/// One layer of a saved Keras model as its config describes it: the name, the class ("Conv2D") and the raw config
/// object ({"filters": 32, "kernel_size": [3, 3], …}). Typed readers below accept both Keras 2 and Keras 3 spellings.
/// </summary>
public sealed class KerasLayerConfig
{
    public string Name { get; }
    public string ClassName { get; }
    /// <summary>The layer's "config" object (a detached clone: valid after the JSON document is gone).</summary>
    public JsonElement Config { get; }
    /// <summary>Where the config came from, for messages.</summary>
    public string Source { get; }

    public KerasLayerConfig(string name, string className, JsonElement config, string source)
    {
        Name = name; ClassName = className; Config = config; Source = source;
    }

    public override string ToString() => $"{Name} ({ClassName})";

    public bool Has(string key) => Config.ValueKind == JsonValueKind.Object && Config.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    public JsonElement? Get(string key) =>
        Config.ValueKind == JsonValueKind.Object && Config.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public string? String(string key) => Get(key) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    public bool Bool(string key, bool fallback) => Get(key) is { } v && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

    public int Int(string key, int fallback)
    {
        if (Get(key) is not { } v) return fallback;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
        throw Bad($"'{key}' is {v.GetRawText()}, not an integer");
    }

    public double Double(string key, double fallback)
    {
        if (Get(key) is not { } v) return fallback;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        throw Bad($"'{key}' is {v.GetRawText()}, not a number");
    }

    /// <summary>An int or a list of ints (Keras's "3" or "[3, 3]"), as exactly <paramref name="count"/> values.</summary>
    public int[]? IntTuple(string key, int count)
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int one)) return Enumerable.Repeat(one, count).ToArray();
        if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == count &&
            v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _)))
            return v.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        throw Bad($"'{key}' is {v.GetRawText()}, expected an integer or a list of {count} integers");
    }

    /// <summary>A number or a list of numbers (Rescaling's scale and offset).</summary>
    public double[]? Numbers(string key)
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number) return new[] { v.GetDouble() };
        if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
            return v.EnumerateArray().Select(e => e.GetDouble()).ToArray();
        throw Bad($"'{key}' is {v.GetRawText()}, expected a number or a list of numbers");
    }

    /// <summary>
    /// The activation by name: Keras 2 writes "relu"; Keras 3 the same, or a serialized function object
    /// {"class_name": "function", "config": "relu"} for some saves.
    /// </summary>
    public string? ActivationName(string key = "activation")
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.String) return c.GetString();
        throw Bad($"'{key}' is {v.GetRawText()}: only built-in activations given by name are supported");
    }

    public KerasModelException Bad(string what) =>
        new($"{Source}: layer '{Name}' ({ClassName}): {what}");

    internal static string Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() ?? "",
        JsonValueKind.Number => e.GetDouble().ToString(CultureInfo.InvariantCulture),
        _ => e.GetRawText(),
    };
}
