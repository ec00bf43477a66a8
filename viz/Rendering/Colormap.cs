using System.Globalization;
using System.Text.RegularExpressions;

namespace CnnEngine.Viz.Rendering;

/// <summary>
/// A colormap of exactly 256 RGB entries: value v in 0..255 paints <c>Lut[3v..3v+2]</c>.
/// viridis, magma and inferno are matplotlib's tables rounded to 8 bits (round(255·x)); gray is the identity ramp.
/// Exactly 256 colors is what lets a GIF frame of activations use the colormap as its palette, unquantized.
/// </summary>
public sealed partial class Colormap
{
    public const int Size = 256;
    public string Name { get; }
    /// <summary>(256, 3) RGB.</summary>
    public byte[] Lut { get; }

    private Colormap(string name, byte[] lut)
    {
        if (lut.Length != Size * 3) throw new ArgumentException($"colormap {name} has {lut.Length / 3} entries, needs {Size}");
        Name = name;
        Lut = lut;
    }

    public Rgb this[int v] => new(Lut[3 * v], Lut[3 * v + 1], Lut[3 * v + 2]);

    public static Colormap Viridis { get; } = FromTable("viridis", ColormapTables.Viridis);
    public static Colormap Magma { get; } = FromTable("magma", ColormapTables.Magma);
    public static Colormap Inferno { get; } = FromTable("inferno", ColormapTables.Inferno);
    public static Colormap Gray { get; } = BuildGray();

    public static IReadOnlyList<string> Names { get; } = new[] { "viridis", "gray", "magma", "inferno" };

    /// <summary>Finds a colormap by name (case-insensitive); null when unknown.</summary>
    public static Colormap? TryGet(string name) => name.ToLowerInvariant() switch
    {
        "viridis" => Viridis,
        "gray" or "grey" => Gray,
        "magma" => Magma,
        "inferno" => Inferno,
        _ => null,
    };

    /// <summary>Index of the palette entry closest (squared RGB distance) to a color: labels in GIF frames use it.</summary>
    public int Nearest(Rgb color)
    {
        int best = 0, bestDistance = int.MaxValue;
        for (int i = 0; i < Size; i++)
        {
            int dr = Lut[3 * i] - color.R, dg = Lut[3 * i + 1] - color.G, db = Lut[3 * i + 2] - color.B;
            int d = dr * dr + dg * dg + db * db;
            if (d < bestDistance) { bestDistance = d; best = i; }
        }
        return best;
    }

    private static Colormap BuildGray()
    {
        var lut = new byte[Size * 3];
        for (int i = 0; i < Size; i++) lut[3 * i] = lut[3 * i + 1] = lut[3 * i + 2] = (byte)i;
        return new Colormap("gray", lut);
    }

    private static Colormap FromTable(string name, string table)
    {
        var numbers = Number().Matches(table);
        var lut = new byte[numbers.Count];
        for (int i = 0; i < numbers.Count; i++)
        {
            double x = double.Parse(numbers[i].Value, CultureInfo.InvariantCulture);
            lut[i] = (byte)Math.Clamp((int)Math.Round(x * 255.0, MidpointRounding.AwayFromZero), 0, 255);
        }
        return new Colormap(name, lut);
    }

    [GeneratedRegex(@"\d+\.\d+")]
    private static partial Regex Number();
}
