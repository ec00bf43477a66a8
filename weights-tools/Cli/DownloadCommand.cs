using System.CommandLine;
using CnnEngine.Weights;
using Spectre.Console;

namespace CnnEngine.WeightsTools.Cli;

/// <summary>download [--notop] [--out DIR]: fetch the keras-applications release file Keras would, md5-checked.</summary>
public static class DownloadCommand
{
    public static Command Build()
    {
        var notop = new Option<bool>("--notop") { Description = "The convolutional base only (58.9 MB) instead of the full model (553 MB)" };
        var outDir = new Option<string?>("--out") { Description = "Folder to put it in (default: $XDG_CACHE_HOME/cnn-engine or ~/.cache/cnn-engine)" };
        var baseUrl = new Option<string?>("--base-url") { Description = $"Folder URL to fetch from (default: {KerasWeightsFile.KerasBaseUrl})" };
        var command = new Command("download", "Download VGG16 weights from where Keras gets them; the file is kept only if its md5 matches");
        command.Options.Add(notop);
        command.Options.Add(outDir);
        command.Options.Add(baseUrl);
        command.SetAction(parse => Run(parse.GetValue(notop), parse.GetValue(outDir), parse.GetValue(baseUrl)));
        return command;
    }

    private static int Run(bool notop, string? outDir, string? baseUrl)
    {
        var file = notop ? KerasWeightsFile.NoTop : KerasWeightsFile.Top;
        // The URL first: a bad one fails before anything is created.
        Uri root = baseUrl is null ? KerasWeightsFile.KerasBaseUrl : ParseBaseUrl(baseUrl);
        string dir = outDir ?? WeightsQuery.DefaultOwnCacheDir();
        string destination = Path.Combine(dir, file.FileName);
        if (File.Exists(destination) && FileChecksums.Compute(destination).Md5 == file.Md5)
        {
            Console.Error.WriteLine($"{destination}: already present, md5 matches");
            Console.WriteLine(destination);
            return 0;
        }
        var url = new Uri(root, file.FileName);
        bool dirExisted = Directory.Exists(dir);
        try
        {
            Fetch(url, destination, file);
        }
        catch
        {
            // A folder this command made, left empty by the failure, goes too.
            try { if (!dirExisted && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
        Console.Error.WriteLine($"{destination}: downloaded from {url}, md5 {file.Md5} verified");
        Console.WriteLine(destination);
        return 0;
    }

    /// <summary>--base-url must be an absolute http or https URL (the downloader speaks nothing else).</summary>
    private static Uri ParseBaseUrl(string text)
    {
        if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var uri))
            throw new WeightsException($"--base-url '{text}' is not a URL (expected e.g. https://host/path/)");
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            throw new WeightsException($"--base-url '{text}' uses {uri.Scheme}:, only http: and https: are supported (for a local file, pass it with --weights)");
        return uri;
    }

    private static void Fetch(Uri url, string destination, KerasWeightsFile file)
    {
        if (Console.IsErrorRedirected)
        {
            WeightsDownloader.Download(url, destination, file.Md5);
        }
        else
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            console.Progress().Start(ctx =>
            {
                var task = ctx.AddTask(file.FileName, maxValue: 1);
                WeightsDownloader.Download(url, destination, file.Md5, p =>
                {
                    if (p.TotalBytes is long total) { task.MaxValue = total; task.Value = p.BytesReceived; }
                    else task.IsIndeterminate = true;
                });
                task.Value = task.MaxValue;
            });
        }
    }
}
