namespace CnnEngine.Kernels.Compute;

/// <summary>The conv ladder, in teaching order (docs/kernels.md walks through them).</summary>
public enum ConvRung
{
    /// <summary>One output per thread, everything from global memory.</summary>
    Naive,
    /// <summary>Work-group stages the input patch and weights in local/shared memory.</summary>
    Tiled,
    /// <summary>Each thread keeps PX pixels × COV·VW channels in registers, vector weight loads.</summary>
    RegBlock,
    /// <summary>Winograd F(2×2, 3×3): 16 batched matrix products instead of 36 multiplies per 2×2 outputs.</summary>
    Winograd,
}

public static class ConvRungs
{
    public static IReadOnlyList<string> Names { get; } = new[] { "naive", "tiled", "regblock", "winograd" };

    public static string Name(ConvRung rung) => Names[(int)rung];

    /// <summary>Parses a --conv-kernel value; null or empty gives <paramref name="fallback"/>.</summary>
    public static ConvRung Parse(string? name, ConvRung fallback)
    {
        if (string.IsNullOrWhiteSpace(name)) return fallback;
        int i = Names.ToList().IndexOf(name.Trim().ToLowerInvariant());
        if (i < 0) throw new DeviceException($"unknown conv kernel '{name}': use {string.Join(", ", Names)}");
        return (ConvRung)i;
    }
}
