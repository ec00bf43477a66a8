using CnnEngine.Viz.Live;
using Microsoft.AspNetCore.Http;

namespace CnnEngine.Viz.Server;

/// <summary>Reads an upload into memory, refusing it as soon as it is known to be over the limit (from Content-Length, or while reading).</summary>
internal static class RequestBody
{
    public static async Task<byte[]> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancel)
    {
        if (request.ContentLength is long declared && declared > maxBytes)
            throw new LiveException(LiveProblem.TooLarge, $"the upload is {declared} bytes; uploads are limited to {maxBytes} bytes");
        using var buffer = new MemoryStream(request.ContentLength is long n ? (int)Math.Min(n, maxBytes) : 64 * 1024);
        var chunk = new byte[81920];
        while (true)
        {
            int read = await request.Body.ReadAsync(chunk, cancel);
            if (read == 0) break;
            if (buffer.Length + read > maxBytes)
                throw new LiveException(LiveProblem.TooLarge, $"the upload is over {maxBytes} bytes; uploads are limited to {maxBytes} bytes");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
