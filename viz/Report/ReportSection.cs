namespace CnnEngine.Viz.Report;

/// <summary>
/// An extra section of index.html from another part of the program (e.g. the deconvnet): a title and trusted HTML
/// inserted as is. Pictures it shows either are data: URIs inside the HTML or come as <paramref name="Assets"/>,
/// written into the output folder at their relative paths before the folder is committed (refer to them relatively).
/// </summary>
public sealed record ReportSection(string Title, string Html, IReadOnlyList<ReportAsset>? Assets = null);

/// <summary>A file that goes into the output folder with the report, at a relative path such as "deconv/block5_conv3.png".</summary>
public sealed record ReportAsset(string RelativePath, byte[] Bytes);
