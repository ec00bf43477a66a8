using System.Text.Json;
using CnnEngine.Viz.Live;
using Microsoft.AspNetCore.Http;

namespace CnnEngine.Viz.Server;

/// <summary>
/// Every error leaves the server as RFC 9457 problem details (application/problem+json: type, title, status, detail),
/// never a stack trace: the explorer's <see cref="LiveException"/> maps to its status, Kestrel's own request errors keep
/// theirs, and anything unexpected is a 500 whose detail names no internals.
/// </summary>
internal static class Problems
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static (int Status, string Title, string Detail, int RetryAfter) Describe(Exception e) => e switch
    {
        LiveException { Problem: LiveProblem.NotFound } l => (404, "Not found", l.Message, 0),
        LiveException { Problem: LiveProblem.BadRequest } l => (400, "Bad request", l.Message, 0),
        LiveException { Problem: LiveProblem.TooLarge } l => (413, "Image too large", l.Message, 0),
        LiveException { Problem: LiveProblem.Unreadable } l => (422, "Not a readable image", l.Message, 0),
        LiveException { Problem: LiveProblem.Busy } l => (503, "Busy", l.Message, l.RetryAfterSeconds),
        LiveException { Problem: LiveProblem.Unsupported } l => (501, "Not available for this model", l.Message, 0),
        LiveException { Problem: LiveProblem.Conflict } l => (409, "Made for another model", l.Message, 0),
        BadHttpRequestException b => (b.StatusCode, b.StatusCode == 413 ? "Request too large" : "Bad request", FirstLine(b.Message), 0),
        _ => (500, "Internal error", "the server failed to answer this request; see its log", 0),
    };

    public static Task WriteAsync(HttpContext context, Exception e)
    {
        var (status, title, detail, retryAfter) = Describe(e);
        if (status == 500) Console.Error.WriteLine($"engine-viz serve: {context.Request.Method} {context.Request.Path}: {e.GetType().Name}: {FirstLine(e.Message)}");
        if (retryAfter > 0) context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteAsync(context, status, title, detail);
    }

    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { type = "about:blank", title, status, detail }, Json));
    }

    /// <summary>Catches every exception of the pipeline, and gives body-less error statuses (404 of an unknown route, 405) a problem body too.</summary>
    public static async Task Middleware(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away
        }
        catch (Exception e)
        {
            if (context.Response.HasStarted) return;
            context.Response.Clear();
            await WriteAsync(context, e);
            return;
        }
        if (context.Response.StatusCode >= 400 && !context.Response.HasStarted && context.Response.ContentLength is null && context.Response.ContentType is null)
        {
            int status = context.Response.StatusCode;
            var (title, detail) = status switch
            {
                404 => ("Not found", $"no such resource: {context.Request.Path}"),
                405 => ("Method not allowed", $"{context.Request.Method} is not allowed on {context.Request.Path}"),
                400 => ("Bad request", $"a required parameter of {context.Request.Path} is missing or malformed"),
                _ => ("Error", $"{context.Request.Method} {context.Request.Path} failed ({status})"),
            };
            await WriteAsync(context, status, title, detail);
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0];
}
