namespace CnnEngine.Viz.Rendering;

/// <summary>Writes a file under a temporary name in the same folder, then renames it over the target.</summary>
public static class AtomicFile
{
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        using var pending = CnnEngine.Weights.PendingOutputs.Track(temp, isFolder: false);   // an interrupt removes it
        try
        {
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                f.Write(bytes);
            CnnEngine.Weights.PendingOutputs.PausePoint("atomic-file");
            CnnEngine.Weights.PendingOutputs.Complete(pending, () => File.Move(temp, full, overwrite: true));
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));
}
