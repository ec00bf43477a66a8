using System.CommandLine;
using System.Globalization;
using CnnEngine.Model;
using CnnEngine.Viz.Cli;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Visualize;

/// <summary>
/// The default run's picture options (the lead's CLI adds them to its root command and binds them).
/// Everything is validated when bound: a bad value is a <see cref="CliException"/> with one clear line (exit code 2,
/// a usage error). <see cref="CheckPicture"/> checks --zoom once the picture's size is known (before the forward pass).
/// </summary>
public sealed record VisualizeOptions
{
    /// <summary>Output folder; null = "&lt;image name&gt;_viz" in the current directory.</summary>
    public string? OutputDirectory { get; init; }
    public bool Force { get; init; }
    public Colormap Colormap { get; init; } = Colormap.Viridis;
    public bool SharedScale { get; init; }
    /// <summary>Layers to draw grids for, in network order; all 18 conv and pool layers by default.</summary>
    public IReadOnlyList<string> Layers { get; init; } = Vgg16Architecture.ConvBase.Select(l => l.Name).ToArray();
    /// <summary>Channel range [First, Last) for every grid; null = all channels. Last is clamped to each layer's channel count.</summary>
    public ChannelRange? Channels { get; init; }
    public bool WithPools { get; init; }
    public int FrameDelayMs { get; init; } = DefaultFrameDelayMs;
    /// <summary>Zoom center in input pixels; null = the strongest block5_conv3 unit's receptive-field center.</summary>
    public (int X, int Y)? Zoom { get; init; }
    /// <summary>Also write &lt;image&gt;_report.html with every picture inlined as a data URI (one file to mail).</summary>
    public bool SingleFile { get; init; }

    public const int DefaultFrameDelayMs = 700;
    public const int MinFrameDelayMs = 20;      // browsers slow anything shorter down to 100 ms
    public const int MaxFrameDelayMs = 655350;  // GIF delays are 16-bit centiseconds

    public static readonly Option<string?> Out = new("--out", "-o")
    {
        Description = "Output folder (default: <image name>_viz in the current directory); must be empty unless --force",
    };

    public static readonly Option<bool> ForceOption = new("--force")
    {
        Description = "Replace a non-empty output folder",
    };

    public static readonly Option<string> ColormapOption = new("--colormap")
    {
        Description = "Colormap for activations: viridis | gray | magma | inferno",
        DefaultValueFactory = _ => "viridis",
    };

    public static readonly Option<bool> SharedScaleOption = new("--shared-scale")
    {
        Description = "Scale every channel of a layer by the layer-wide min..max (default: each channel by its own min..max)",
    };

    public static readonly Option<string?> LayersOption = new("--layers")
    {
        Description = "Comma-separated conv/pool layers to draw grids for (default: all 18), e.g. block1_conv1,block5_pool",
    };

    public static readonly Option<string?> ChannelsOption = new("--channels")
    {
        Description = "Channel range FIRST-LAST (first inclusive, last exclusive) for the grids, e.g. 0-16",
    };

    public static readonly Option<bool> WithPoolsOption = new("--with-pools")
    {
        Description = "Include the pooling layers in journey.gif",
    };

    public static readonly Option<int> FrameDelayOption = new("--frame-delay")
    {
        Description = $"Milliseconds per frame of journey.gif (multiples of 10; default {DefaultFrameDelayMs}); zoom.gif has its own timing (about 7 s)",
        DefaultValueFactory = _ => DefaultFrameDelayMs,
    };

    public static readonly Option<string?> ZoomOption = new("--zoom")
    {
        Description = "Zoom center X,Y in input pixels (default: the receptive field of the strongest block5_conv3 activation)",
    };

    public static readonly Option<bool> SingleFileOption = new("--single-file")
    {
        Description = "Also write <image>_report.html: the report with every picture inlined (data URIs), one file to send by mail",
    };

    public static void AddTo(Command c)
    {
        c.Options.Add(Out);
        c.Options.Add(ForceOption);
        c.Options.Add(ColormapOption);
        c.Options.Add(SharedScaleOption);
        c.Options.Add(LayersOption);
        c.Options.Add(ChannelsOption);
        c.Options.Add(WithPoolsOption);
        c.Options.Add(FrameDelayOption);
        c.Options.Add(ZoomOption);
        c.Options.Add(SingleFileOption);
    }

    /// <summary>Reads and validates the options; throws <see cref="CliException"/> on a bad value.</summary>
    public static VisualizeOptions Bind(ParseResult r) => Create(
        r.GetValue(Out), r.GetValue(ForceOption), r.GetValue(ColormapOption), r.GetValue(SharedScaleOption),
        r.GetValue(LayersOption), r.GetValue(ChannelsOption), r.GetValue(WithPoolsOption),
        r.GetValue(FrameDelayOption), r.GetValue(ZoomOption)) with { SingleFile = r.GetValue(SingleFileOption) };

    /// <summary>Builds validated options from raw option text (what <see cref="Bind"/> does, without System.CommandLine).</summary>
    public static VisualizeOptions Create(string? output = null, bool force = false, string? colormap = null,
        bool sharedScale = false, string? layers = null, string? channels = null, bool withPools = false,
        int frameDelayMs = DefaultFrameDelayMs, string? zoom = null)
    {
        var map = Colormap.TryGet(colormap ?? "viridis")
            ?? throw new CliException($"unknown colormap '{colormap}' (choose {string.Join(", ", Colormap.Names)})", 2);
        if (frameDelayMs < MinFrameDelayMs || frameDelayMs > MaxFrameDelayMs)
            throw new CliException($"--frame-delay {frameDelayMs} is out of range ({MinFrameDelayMs}..{MaxFrameDelayMs} ms)", 2);
        var layerNames = layers is null ? Vgg16Architecture.ConvBase.Select(l => l.Name).ToArray() : ParseLayers(layers);
        ChannelRange? range = channels is null ? null : ChannelRange.Parse(channels);
        if (range is { } cr)
            foreach (var name in layerNames)
            {
                int count = Vgg16Architecture.Find(name)!.OutChannels;
                if (cr.First >= count)
                    throw new CliException($"--channels {cr}: {name} has only {count} channels (0-{count})", 2);
            }
        return new VisualizeOptions
        {
            OutputDirectory = string.IsNullOrWhiteSpace(output) ? null : output,
            Force = force,
            Colormap = map,
            SharedScale = sharedScale,
            Layers = layerNames,
            Channels = range,
            WithPools = withPools,
            FrameDelayMs = frameDelayMs,
            Zoom = zoom is null ? null : ParseZoom(zoom),
        };
    }

    /// <summary>Parses "a,b,c" into conv-base layer names in network order; unknown names are an error.</summary>
    public static string[] ParseLayers(string text)
    {
        var wanted = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (wanted.Length == 0) throw new CliException("--layers is empty (e.g. --layers block1_conv1,block5_pool)", 2);
        var known = Vgg16Architecture.ConvBase.Select(l => l.Name).ToArray();
        foreach (var name in wanted)
            if (!known.Contains(name))
                throw new CliException($"unknown layer '{name}' in --layers (conv/pool layers are block1_conv1 ... block5_pool)", 2);
        return known.Where(wanted.Contains).ToArray();
    }

    /// <summary>Checks the options that depend on the picture fed to the network (--zoom inside it).</summary>
    public void CheckPicture(int width, int height)
    {
        if (Zoom is { } z && (z.X >= width || z.Y >= height))
            throw new CliException($"--zoom {z.X},{z.Y} is outside the {width}x{height} input picture", 2);
    }

    public static (int X, int Y) ParseZoom(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int x)
            || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int y))
            throw new CliException($"--zoom '{text}' is not X,Y in input pixels (e.g. --zoom 112,80)", 2);
        if (x < 0 || y < 0) throw new CliException($"--zoom {x},{y} must not be negative", 2);
        return (x, y);
    }
}

/// <summary>A channel range [First, Last): first inclusive, last exclusive, as in file names (0-64).</summary>
public readonly record struct ChannelRange(int First, int Last)
{
    public override string ToString() => $"{First}-{Last}";

    public static ChannelRange Parse(string text)
    {
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int last))
            throw new CliException($"--channels '{text}' is not FIRST-LAST (e.g. --channels 0-16; first inclusive, last exclusive)", 2);
        if (first >= last) throw new CliException($"--channels {first}-{last} is empty (last is exclusive and must exceed first)", 2);
        return new ChannelRange(first, last);
    }

    /// <summary>This range on a layer of <paramref name="count"/> channels: last clamped to the count.</summary>
    public ChannelRange ClampTo(int count) => new(First, Math.Min(Last, count));
}
