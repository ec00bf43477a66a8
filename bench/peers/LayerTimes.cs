namespace CnnEngine.Bench.Peers;

/// <summary>Per-layer direct vs Winograd timing (filled in with the Winograd op).</summary>
internal static class LayerTimes
{
    public static int Run(string[] args) { Console.Error.WriteLine("layers: not yet"); return 2; }
}
