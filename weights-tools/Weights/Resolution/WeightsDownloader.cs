using System.Security.Cryptography;

namespace CnnEngine.Weights;

/// <summary>
/// Downloads one file to a temporary name beside its destination, hashing as it goes; the file gets its real name
/// only after the md5 matches. Any failure removes the temporary file and raises <see cref="WeightsDownloadException"/>.
/// </summary>
public static class WeightsDownloader
{
    public static void Download(Uri url, string destination, string expectedMd5, Action<DownloadProgress>? progress = null,
        HttpClient? http = null, TimeSpan? timeout = null)
    {
        string name = Path.GetFileName(destination);
        string dir = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightsDownloadException($"cannot create {dir}: {e.Message}", e);
        }
        string temp = Path.Combine(dir, $".{name}.{Guid.NewGuid():N}.part");
        using var pending = PendingOutputs.Track(temp, isFolder: false);   // an interrupt removes it
        var ownClient = http is null ? new HttpClient { Timeout = Timeout.InfiniteTimeSpan } : null;
        var client = http ?? ownClient!;
        var idle = timeout ?? TimeSpan.FromSeconds(60);
        try
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            using var cts = new CancellationTokenSource(idle);
            HttpResponseMessage response;
            try
            {
                response = client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cts.Token).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                throw new WeightsDownloadException($"cannot download {url}: {Reason(e)} (offline? get the file elsewhere and pass --weights FILE)", e);
            }
            using (response)
            {
                if (!response.IsSuccessStatusCode)
                    throw new WeightsDownloadException($"cannot download {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                long? total = response.Content.Headers.ContentLength;
                long received = 0, lastReport = 0;
                try
                {
                    using var body = response.Content.ReadAsStream(cts.Token);
                    using var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                    var buffer = new byte[1 << 20];
                    while (true)
                    {
                        cts.CancelAfter(idle); // the timeout is per stretch without data, not for the whole file
                        int n = body.ReadAsync(buffer, cts.Token).AsTask().GetAwaiter().GetResult();
                        if (n == 0) break;
                        output.Write(buffer, 0, n);
                        md5.AppendData(buffer, 0, n);
                        received += n;
                        if (received - lastReport >= 1 << 20) { progress?.Invoke(new DownloadProgress(name, received, total)); lastReport = received; }
                    }
                    output.Flush(flushToDisk: true);
                }
                catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
                {
                    throw new WeightsDownloadException($"download of {url} broke off after {received} bytes: {Reason(e)}", e);
                }
                progress?.Invoke(new DownloadProgress(name, received, total));
                if (total is long t && received != t)
                    throw new WeightsDownloadException($"download of {url} ended after {received} of {t} bytes");
                string actual = Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant();
                if (!string.Equals(actual, expectedMd5, StringComparison.OrdinalIgnoreCase))
                    throw new WeightsDownloadException($"download of {url} has md5 {actual}, expected {expectedMd5}: not kept");
                PendingOutputs.Complete(pending, () => File.Move(temp, destination, overwrite: true));
            }
        }
        finally
        {
            try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            ownClient?.Dispose();
        }
    }

    private static string Reason(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return e is OperationCanceledException ? "timed out" : inner.Message;
    }
}
