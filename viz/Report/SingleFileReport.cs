using System.Text.RegularExpressions;

namespace CnnEngine.Viz.Report;

/// <summary>
/// The report as one file for sharing (--single-file): every picture the page shows (<c>src="…"</c> of a .png or .gif in
/// the report's folder) becomes a data URI, and the links around the layer grids (to the same pictures) are dropped,
/// so nothing points outside the file. Links to .npy exports stay relative: they are data, not part of the page.
/// </summary>
public static partial class SingleFileReport
{
    [GeneratedRegex("""<a href="[^"]+\.(?:png|gif)">(<img [^>]*>)</a>""")]
    private static partial Regex LinkedImage();

    [GeneratedRegex("src=\"([^\":]+\\.(png|gif))\"")]
    private static partial Regex PictureSource();

    /// <param name="html">index.html as <see cref="HtmlReport.Build"/> wrote it.</param>
    /// <param name="readAsset">The bytes of a file of the report's folder, by its relative path.</param>
    public static string Inline(string html, Func<string, byte[]> readAsset)
    {
        string unlinked = LinkedImage().Replace(html, m => m.Groups[1].Value);
        return PictureSource().Replace(unlinked, m =>
        {
            string relative = Uri.UnescapeDataString(System.Net.WebUtility.HtmlDecode(m.Groups[1].Value));
            if (Path.IsPathRooted(relative) || relative.Split('/').Contains("..")) return m.Value;
            string mime = m.Groups[2].Value == "png" ? "image/png" : "image/gif";
            return $"src=\"data:{mime};base64,{Convert.ToBase64String(readAsset(relative))}\"";
        });
    }
}
