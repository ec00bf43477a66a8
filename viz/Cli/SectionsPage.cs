using System.Net;
using System.Text;
using CnnEngine.Viz.Rendering;
using CnnEngine.Viz.Report;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// The own-model run's deconvnet sections (--deconv / --occlusion / --invariance) written beside its report: every
/// asset at its relative path (deconv/…, the names VGG16's report uses) and deconv.html showing the sections, linked
/// to the same assets. Interim: the own-model report (viz/Visualize/ModelVisualizeRun) takes no extra sections yet;
/// once it does, these sections go into index.html as VGG16's do and this page is dropped.
/// </summary>
public static class SectionsPage
{
    public const string FileName = "deconv.html";

    /// <summary>Writes the sections' files into <paramref name="outputDirectory"/> (each via a temp name); returns their paths (none for no sections).</summary>
    public static IReadOnlyList<string> Write(string outputDirectory, string modelName, IReadOnlyList<ReportSection> sections)
    {
        if (sections.Count == 0) return Array.Empty<string>();
        var written = new List<string>();
        try
        {
            foreach (var asset in sections.SelectMany(s => s.Assets ?? Array.Empty<ReportAsset>()))
            {
                string path = Path.Combine(outputDirectory, asset.RelativePath);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                AtomicFile.WriteAllBytes(path, asset.Bytes);
                written.Add(path);
            }
            var html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .Append(WebUtility.HtmlEncode(modelName)).Append(" — deconvnet</title>\n</head>\n<body>\n<h1>")
                .Append(WebUtility.HtmlEncode(modelName)).Append(" — deconvnet</h1>\n<p><a href=\"index.html\">back to the report</a></p>\n");
            foreach (var s in sections)
                html.Append("<section class=\"extra\">\n<h2>").Append(WebUtility.HtmlEncode(s.Title)).Append("</h2>\n").Append(s.Html).Append("\n</section>\n");
            html.Append("</body>\n</html>\n");
            string page = Path.Combine(outputDirectory, FileName);
            AtomicFile.WriteAllBytes(page, new UTF8Encoding(false).GetBytes(html.ToString()));
            written.Add(page);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write {outputDirectory}: {e.Message}");
        }
        return written;
    }
}
