using System.Globalization;
using System.Net;
using System.Text;
using CnnEngine.Tensors;

namespace CnnEngine.Viz.Report;

/// <summary>
/// Writes index.html: one page (inline CSS, no scripts, no external URLs) that shows the pictures of its own folder by
/// relative paths, so it works opened straight from disk as long as the folder stays together
/// (<see cref="SingleFileReport"/> inlines them for sharing). Responsive: nothing is wider than a 420 px phone screen;
/// wide tables scroll inside their own box.
/// </summary>
public static class HtmlReport
{
    public const string RandomBanner = "random weights: not ImageNet features";

    public static string Build(ReportModel m)
    {
        var inv = CultureInfo.InvariantCulture;
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append("<title>").Append(E(m.ImageName)).Append(" - VGG16 activations</title>\n");
        h.Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");

        if (m.RandomWeights) h.Append("<div class=\"banner\" id=\"random-weights\">").Append(E(RandomBanner)).Append("</div>\n");
        h.Append("<h1>").Append(E(m.ImageName)).Append("</h1>\n");
        h.Append("<p class=\"meta\">VGG16 · weights: ").Append(E(m.WeightsDescription))
         .Append(" · device: ").Append(E(m.DeviceName))
         .Append(" · colormap: ").Append(E(m.ColormapName)).Append("</p>\n");

        h.Append("<section id=\"input\">\n<h2>Input</h2>\n<div class=\"row\">\n");
        h.Append("<figure><img src=\"").Append(A(m.InputFile)).Append("\" alt=\"input picture\" width=\"")
         .Append(m.InputWidth.ToString(inv)).Append("\" height=\"").Append(m.InputHeight.ToString(inv))
         .Append("\" class=\"pixelated\"><figcaption>").Append(m.InputWidth.ToString(inv)).Append('×')
         .Append(m.InputHeight.ToString(inv)).Append(" RGB, as fed to the network</figcaption></figure>\n");
        if (m.Top5 is { Count: > 0 })
        {
            h.Append("<div class=\"table-scroll\"><table class=\"top5\" id=\"top5\">\n<caption>Top-5 classes</caption>\n<tr><th>#</th><th>class</th><th>probability</th></tr>\n");
            for (int i = 0; i < m.Top5.Count; i++)
            {
                var c = m.Top5[i];
                string pct = (c.Probability * 100).ToString("0.00", inv);
                h.Append("<tr><td>").Append(i + 1).Append("</td><td>").Append(E(c.Label)).Append(" <span class=\"idx\">(")
                 .Append(c.ClassIndex.ToString(inv)).Append(")</span></td><td><span class=\"bar\" style=\"width:")
                 .Append(Math.Clamp(c.Probability * 100, 0, 100).ToString("0.#", inv)).Append("px\"></span> ")
                 .Append(pct).Append("%</td></tr>\n");
            }
            h.Append("</table></div>\n");
        }
        else
        {
            h.Append("<p class=\"note\">No class scores: these weights have no top (fc1, fc2, predictions).</p>\n");
        }
        h.Append("</div>\n</section>\n");

        if (m.JourneyFile is not null || m.ZoomFile is not null)
        {
            h.Append("<section id=\"animations\">\n<h2>Animations</h2>\n<div class=\"row\">\n");
            if (m.JourneyFile is not null)
                h.Append("<figure><img src=\"").Append(A(m.JourneyFile)).Append("\" alt=\"journey through the layers\"><figcaption>")
                 .Append(E(m.JourneyCaption ?? "The journey: the input, then every conv layer's channels, block1_conv1 to block5_conv3.")).Append("</figcaption></figure>\n");
            if (m.ZoomFile is not null)
                h.Append("<figure><img src=\"").Append(A(m.ZoomFile)).Append("\" alt=\"zoom into the hidden layers\" class=\"zoom\"><figcaption>")
                 .Append(E(m.ZoomDescription)).Append("</figcaption></figure>\n");
            h.Append("</div>\n</section>\n");
        }

        h.Append("<section id=\"layers\">\n<h2>Layers</h2>\n<p class=\"note\">");
        h.Append(m.SharedScale
            ? "Shared scale: every channel of a layer is mapped from the layer's min..max to the colormap."
            : "Per-channel scale: each channel is mapped from its own min..max to the colormap's 0..255 (a constant channel is drawn as 0), so weak channels stay visible; compare brightness within a tile, not across tiles.");
        h.Append(" Statistics are over the whole layer (all channels).</p>\n");
        h.Append("<div class=\"table-scroll\"><table class=\"stats\" id=\"layer-stats\">\n<tr><th>#</th><th>layer</th><th>shape</th><th>min</th><th>mean</th><th>max</th><th>% zeros</th></tr>\n");
        foreach (var l in m.Layers)
        {
            h.Append("<tr><td>").Append(l.Ordinal.ToString("00", inv)).Append("</td><td>");
            if (l.GridFile is not null) h.Append("<a href=\"#").Append(E(l.Name)).Append("\">").Append(E(l.Name)).Append("</a>");
            else h.Append(E(l.Name));
            h.Append("</td><td>").Append(E(ShapeMath.Format(l.Shape))).Append("</td><td>").Append(N(l.Stats.Min))
             .Append("</td><td>").Append(N(l.Stats.Mean)).Append("</td><td>").Append(N(l.Stats.Max))
             .Append("</td><td>").Append(l.Stats.ZeroPercent.ToString("0.0", inv)).Append("</td></tr>\n");
        }
        h.Append("</table></div>\n");
        foreach (var l in m.Layers.Where(l => l.GridFile is not null))
        {
            h.Append("<figure class=\"grid\" id=\"").Append(E(l.Name)).Append("\"><figcaption><b>").Append(l.Ordinal.ToString("00", inv))
             .Append(' ').Append(E(l.Name)).Append("</b> ").Append(E(ShapeMath.Format(l.Shape))).Append(" · channels ")
             .Append(E(l.ChannelRange ?? "")).Append(" · min ").Append(N(l.Stats.Min)).Append(" · mean ").Append(N(l.Stats.Mean))
             .Append(" · max ").Append(N(l.Stats.Max)).Append(" · ").Append(l.Stats.ZeroPercent.ToString("0.0", inv))
             .Append("% zeros</figcaption><a href=\"").Append(A(l.GridFile!)).Append("\"><img src=\"").Append(A(l.GridFile!))
             .Append("\" alt=\"").Append(E(l.Name)).Append(" channels\"></a></figure>\n");
        }
        h.Append("</section>\n");

        foreach (var s in m.ExtraSections)
            h.Append("<section class=\"extra\">\n<h2>").Append(E(s.Title)).Append("</h2>\n").Append(s.Html).Append("\n</section>\n");

        if (m.NpyLinks.Count > 0)
        {
            h.Append("<section id=\"npy\">\n<h2>Raw activations (.npy)</h2>\n<ul>\n");
            foreach (var link in m.NpyLinks)
                h.Append("<li><a href=\"").Append(A(link)).Append("\">").Append(E(link)).Append("</a></li>\n");
            h.Append("</ul>\n</section>\n");
        }
        h.Append("<footer>Made by engine-viz (CnnEngine).</footer>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    /// <summary>A relative URL attribute: path segments escaped, forward slashes kept.</summary>
    private static string A(string relativePath) =>
        E(string.Join('/', relativePath.Replace('\\', '/').Split('/').Select(Uri.EscapeDataString)));

    private static string N(double v) => v.ToString(Math.Abs(v) >= 1000 ? "0" : "0.###", CultureInfo.InvariantCulture);

    private const string Css = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 16px 32px; background: #fafafa; color: #222; overflow-wrap: anywhere; }
h1 { margin: 18px 0 4px; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 28px; }
.meta, .note, figcaption { color: #555; }
.banner { background: #c81e1e; color: #fff; font-weight: bold; padding: 8px 16px; margin: 0 -16px; text-align: center; }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.row > * { min-width: 0; max-width: 100%; }
.row figure { max-width: 520px; }
img.zoom { width: 512px; image-rendering: pixelated; }
figure { margin: 0; }
img { max-width: 100%; height: auto; }
img.pixelated { width: 448px; height: auto; image-rendering: pixelated; }
.table-scroll { max-width: 100%; overflow-x: auto; }
section.extra { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; }
td, th { padding: 3px 10px; border-bottom: 1px solid #e3e3e3; text-align: left; }
.stats td:nth-child(n+4) { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; height: 10px; background: #3b528b; vertical-align: middle; }
.idx { color: #888; }
figure.grid { margin: 18px 0; }
figure.grid img { display: block; border: 1px solid #ccc; }
footer { margin-top: 32px; color: #888; font-size: 13px; }
@media (max-width: 600px) {
  body { font-size: 14px; padding: 0 10px 24px; }
  .banner { margin: 0 -10px; }
  td, th { padding: 2px 4px; }
  .stats { font-size: 12px; }
  .row { gap: 12px; }
}
""";
}
