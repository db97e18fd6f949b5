using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Msil.Mcp.Http;

namespace Msil.Mcp.Tests.Http;

public sealed class HttpProblemTests
{
    [Theory]
    [InlineData(400, "Bad Request")]
    [InlineData(404, "Not Found")]
    [InlineData(409, "Conflict")]
    [InlineData(503, "Service Unavailable")]
    public async Task WriteAsync_Status_WritesTypeTitleStatusDetailAsProblemJson(int status, string title)
    {
        var context = Context();

        await HttpProblem.WriteAsync(context, status, "Field 'x' is required.");

        context.Response.Body.Position = 0;
        using var body = await JsonDocument.ParseAsync(context.Response.Body, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal(["type", "title", "status", "detail"], body.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("about:blank", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(title, body.RootElement.GetProperty("title").GetString());
        Assert.Equal("Field 'x' is required.", body.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public void Title_UnknownStatus_IsError() => Assert.Equal("Error", HttpProblem.Title(599));

    internal static DefaultHttpContext Context(string? body = null)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(), Response = { Body = new MemoryStream() } };
        if (body is not null)
        {
            context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        }

        return context;
    }
}

public sealed class HttpRequestInfoTests
{
    [Theory]
    [InlineData("", 1, 50)]
    [InlineData("?page=3&page_size=500", 3, 500)]
    public void TryReadPaging_Valid_ReturnsPageAndSize(string query, int page, int size)
    {
        var context = new DefaultHttpContext { Request = { QueryString = new QueryString(query.Length == 0 ? null : query) } };

        Assert.True(HttpRequestInfo.TryReadPaging(context.Request, out var p, out var s, out var error));
        Assert.Equal((page, size, null), (p, s, error));
    }

    [Theory]
    [InlineData("?page=0", "'page'")]
    [InlineData("?page=x", "'page'")]
    [InlineData("?page_size=501", "'page_size'")]
    [InlineData("?page_size=-1", "'page_size'")]
    public void TryReadPaging_Invalid_NamesTheField(string query, string field)
    {
        var context = new DefaultHttpContext { Request = { QueryString = new QueryString(query) } };

        Assert.False(HttpRequestInfo.TryReadPaging(context.Request, out _, out _, out var error));
        Assert.Contains(field, error, StringComparison.Ordinal);
    }

    [Fact]
    public void CorrelationId_Header_WinsOverTraceIdentifier()
    {
        var context = new DefaultHttpContext { TraceIdentifier = "trace" };
        Assert.Equal("trace", HttpRequestInfo.CorrelationId(context));
        context.Response.Headers["X-Correlation-ID"] = "c-1";
        Assert.Equal("c-1", HttpRequestInfo.CorrelationId(context));
    }
}

public sealed partial class HttpJsonBodyTests
{
    [Fact]
    public async Task ReadAsync_Object_ReturnsTheRecord()
    {
        var (value, problem) = await HttpJsonBody.ReadAsync(HttpProblemTests.Context("""{"name":"a","count":2}"""), TestJson.Default.Sample, "{\"name\": \"…\"}");

        Assert.Null(problem);
        Assert.Equal(new Sample("a", 2), value);
    }

    [Theory]
    [InlineData("[1]", "The body must be a JSON object")]
    [InlineData("", "The body must be a JSON object")]
    [InlineData("{\"name\":", "Field 'name'")]
    [InlineData("{\"count\":\"two\"}", "Field 'count'")]
    public async Task ReadAsync_Bad_Answers400NamingTheFieldOrShape(string body, string expected)
    {
        var context = HttpProblemTests.Context(body);
        var (value, problem) = await HttpJsonBody.ReadAsync(context, TestJson.Default.Sample, "{\"name\": \"…\"}");

        Assert.Null(value);
        Assert.NotNull(problem);
        Assert.Equal(400, problem.StatusCode);
        Assert.Contains(expected, problem.ProblemDetails.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_TooLarge_Answers413()
    {
        var (_, problem) = await HttpJsonBody.ReadAsync(HttpProblemTests.Context("{\"name\":\"" + new string('a', 100) + "\"}"), TestJson.Default.Sample, "{}", maxBytes: 64);

        Assert.Equal(413, problem!.StatusCode);
    }

    internal sealed record Sample(string? Name, int Count);

    [JsonSerializable(typeof(Sample))]
    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
    internal sealed partial class TestJson : JsonSerializerContext;
}
