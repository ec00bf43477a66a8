using System.Net;
using System.Text.Json;

namespace CnnEngine.Server.Tests.Api;

internal static class ProblemAssert
{
    /// <summary>The answer is problem details with this status, and shows no stack trace or exception type.</summary>
    public static async Task<JsonElement> IsProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotMatch(@"\bat [A-Za-z0-9_.`<>]+\(", body); // a stack frame: "at Namespace.Type.Method("
        Assert.DoesNotContain("Exception", body);
        Assert.DoesNotContain(".cs:", body);
        var json = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("detail").GetString()));
        return json;
    }
}
