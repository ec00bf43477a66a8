namespace CnnEngine.Viz.Live;

/// <summary>The sample photos the page offers: the PNG and JPEG files directly inside one folder, read through a <see cref="ConfinedFolder"/>.</summary>
public sealed class SampleFolder
{
    private static readonly string[] Extensions = { ".jpg", ".jpeg", ".png" };

    public ConfinedFolder Folder { get; }
    public IReadOnlyList<string> Names { get; }

    public SampleFolder(string folder)
    {
        Folder = new ConfinedFolder(folder);
        Names = Directory.EnumerateFiles(Folder.Root)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Select(Path.GetFileName).OfType<string>()
            .Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>A sample's bytes by its name (only names in <see cref="Names"/>).</summary>
    public byte[] Read(string name)
    {
        if (!Names.Contains(name, StringComparer.Ordinal)) throw LiveException.NotFound($"no sample named {name}");
        return File.ReadAllBytes(Folder.ResolveFile(name));
    }

    /// <summary>
    /// Where samples are when no folder is given: ../shared/images beside the repository this tool was built or run
    /// from (the current folder or any folder above the program), or null.
    /// </summary>
    public static string? FindDefault()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "..", "shared", "images");
                if (File.Exists(Path.Combine(dir.FullName, "CnnEngine.sln")) && Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }
        }
        return null;
    }
}
