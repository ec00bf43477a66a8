using System.Text;
using System.Text.Json.Nodes;

namespace CnnEngine.Fuzz.Mutators;

/// <summary>
/// Structure-aware JSON damage: parses the document, changes one value deep inside (wrong type, boundary number,
/// NaN-like text, huge or negative sizes, empty or nested containers, a removed key, a duplicated key), and writes it
/// back — so the damage reaches the code that reads the fields, not the JSON reader.
/// </summary>
public static class JsonMutator
{
    private static readonly string[] Replacements =
    {
        "null", "true", "0", "-1", "1e308", "-1e308", "2147483648", "-2147483649", "9223372036854775807", "18446744073709551616",
        "1.5", "\"\"", "\"x\"", "[]", "{}", "[[]]", "[-1]", "[0,0]", "[2147483647,2147483647]", "\"NaN\"", "\"Infinity\"",
        "[1,2,3,4,5,6,7,8,9,10]", "\"F32\"", "\"F16\"", "\"BOGUS\"", "{\"a\":1}",
    };

    /// <summary>Mutates a JSON text; null when it does not parse (then the caller falls back to byte-level damage).</summary>
    public static string? Mutate(string json, Random rng)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (System.Text.Json.JsonException) { return null; }
        if (root is null) return null;
        var slots = new List<(JsonNode Parent, object Key)>();
        Collect(root, slots);
        if (slots.Count == 0) return null;
        int edits = 1 + rng.Next(2);
        string? duplicateKey = null;
        for (int e = 0; e < edits; e++)
        {
            var (parent, key) = slots[rng.Next(slots.Count)];
            if (parent.Parent is null && parent != root) continue; // detached by an earlier edit
            var replacement = JsonNode.Parse(Replacements[rng.Next(Replacements.Length)]);
            switch (rng.Next(6))
            {
                case 0 when parent is JsonObject o && key is string k:
                    o.Remove(k);
                    break;
                case 1 when parent is JsonObject && key is string k:
                    duplicateKey = k;
                    break;
                case 2 when parent is JsonArray a && key is int i && i < a.Count:
                    a.Add(a[i]?.DeepClone());
                    break;
                default:
                    if (parent is JsonObject po && key is string pk && po.ContainsKey(pk)) po[pk] = replacement;
                    else if (parent is JsonArray pa && key is int pi && pi < pa.Count) pa[pi] = replacement;
                    break;
            }
        }
        string text = root.ToJsonString();
        if (duplicateKey is not null && root is JsonObject ro && ro.ContainsKey(duplicateKey))
        {
            // JsonNode cannot hold a duplicate key: splice a second copy of the member in as text.
            string member = $"{System.Text.Json.JsonSerializer.Serialize(duplicateKey)}:{ro[duplicateKey]?.ToJsonString() ?? "null"}";
            text = "{" + member + "," + text[1..];
        }
        return text;
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> slots)
    {
        if (slots.Count > 4096) return;
        if (node is JsonObject o)
        {
            foreach (var (k, v) in o)
            {
                slots.Add((o, k));
                if (v is not null) Collect(v, slots);
            }
        }
        else if (node is JsonArray a)
        {
            for (int i = 0; i < a.Count; i++)
            {
                slots.Add((a, i));
                if (a[i] is { } v) Collect(v, slots);
            }
        }
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
