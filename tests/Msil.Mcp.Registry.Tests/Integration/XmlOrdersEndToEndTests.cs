using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Registry.Tests.Support;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Registry.Tests.Integration;

/// <summary>
/// An XML API imported into a running governed host (registry, embedded policy, APIM executor, audit) and called with
/// the MCP C# SDK client through the whole pipeline, against a loopback backend that parses the XML it receives.
/// </summary>
public sealed class XmlOrdersEndToEndTests : IAsyncLifetime
{
    private static readonly XNamespace Orders = XmlOrdersSpec.Namespace;
    private static readonly XNamespace Notes = XmlOrdersSpec.NotesNamespace;

    private readonly ConcurrentQueue<string> _received = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "msil-registry-tests", Guid.NewGuid().ToString("N"));
    private WebApplication _backend = null!;
    private MsilMcpTestHost _host = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _backend = builder.Build();
        _backend.MapPost("/orders", CreateOrderAsync);
        _backend.MapGet("/orders/{id}", (int id) => Results.Text(
            $"""<?xml version="1.0"?><order xmlns="urn:example:orders" id="{id}"><customer>Ann</customer><lines><line sku="A-1"><quantity>2</quantity></line></lines><tag>gift</tag></order>""",
            "application/xml"));
        await _backend.StartAsync(Ct);
        var gateway = new Uri(_backend.Urls.First());

        Directory.CreateDirectory(_directory);
        _host = await MsilMcpTestHost.StartAsync(
            mcp =>
            {
                mcp.UseInMemoryAuditSink()
                    .UseDownstreamTokenProvider<FakeTokens>()
                    .AddToolRegistry(o => o.RequireSecondApproval = false)
                    .AddOpaPolicy()
                    .AddApim(o =>
                    {
                        o.GatewayUrl = gateway;
                        o.SubscriptionKey = "sub-key";
                        o.DefaultAudience = "api://orders";
                    });
                mcp.Services.Configure<RateLimitOptions>(o => o.Enabled = false);
            },
            o =>
            {
                o.ContentRootPath = _directory;
                o.RequireAuthorization = false;
            },
            Ct);

        using var http = _host.CreateHttpClient(TestCaller.Create("alice", "admin"));
        using var import = await http.PostAsync("/api/mcp/tools/import?source=orders", new StringContent(XmlOrdersSpec.Yaml, Encoding.UTF8, "application/yaml"), Ct);
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _backend.StopAsync(CancellationToken.None);
        await _backend.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task CallTool_XmlOrder_BackendReceivesTheDocumentAndTheReceiptComesBackStructured()
    {
        await using var client = await _host.ConnectAsync(TestCaller.Create("bob", "operator").WithScopes("orders.read", "orders.write"), cancellationToken: Ct);

        var result = await client.CallToolAsync("create_order", new Dictionary<string, object?>
        {
            ["customer"] = "Ann & Co <ltd>",
            ["note"] = "ring twice",
            ["lines"] = new[] { new { sku = "A-1", quantity = 1 }, new { sku = "B-2", quantity = 3 } },
            ["tags"] = new[] { "gift" },
        }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("""{"id":42,"status":"accepted","total":12.5}""", result.StructuredContent!.Value.GetRawText());
        var document = XDocument.Parse(Assert.Single(_received));
        Assert.Equal(Orders + "order", document.Root!.Name);
        Assert.Equal("ring twice", document.Root.Element(Notes + "note")!.Value);
        var record = Assert.Single(_host.Audit.Records, r => r.ToolName == "create_order");
        Assert.Equal(AuditOutcomes.Success, record.Outcome);
    }

    [Fact]
    public async Task CallTool_XmlAnswer_IsStructuredByTheResponseSchema()
    {
        await using var client = await _host.ConnectAsync(TestCaller.Create("vera", "viewer").WithScopes("orders.read"), cancellationToken: Ct);

        var result = await client.CallToolAsync("get_order", new Dictionary<string, object?> { ["id"] = 7 }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("""{"id":7,"customer":"Ann","lines":[{"sku":"A-1","quantity":2}],"tags":["gift"]}""", result.StructuredContent!.Value.GetRawText());
    }

    [Fact]
    public async Task CallTool_TokenWithoutTheRequiredScope_IsRefusedAndOneWithItPasses()
    {
        await using var narrow = await _host.ConnectAsync(TestCaller.Create("bob", "operator").WithScopes("orders.read"), cancellationToken: Ct);
        await using var wide = await _host.ConnectAsync(TestCaller.Create("bob", "operator").WithScopes("orders.read", "orders.write"), cancellationToken: Ct);
        var arguments = new Dictionary<string, object?> { ["customer"] = "Ann", ["lines"] = new[] { new { sku = "A-1", quantity = 1 } } };

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => narrow.CallToolAsync("create_order", arguments, cancellationToken: Ct).AsTask());
        var passed = await wide.CallToolAsync("create_order", arguments, cancellationToken: Ct);

        Assert.Equal(McpErrorCode.InvalidRequest, refused.ErrorCode);
        Assert.Contains("insufficient_scope", refused.Message, StringComparison.Ordinal);
        Assert.Contains("orders.write", refused.Message, StringComparison.Ordinal);
        Assert.NotEqual(true, passed.IsError);
        Assert.Single(_received);
        Assert.Contains(_host.Audit.Records, r => r is { ToolName: "create_order", Outcome: AuditOutcomes.Denied } && r.Detail!.StartsWith("insufficient_scope", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTool_InsufficientScope_ErrorDataNamesTheScopes()
    {
        using var http = _host.CreateHttpClient(TestCaller.Create("bob", "operator").WithScopes("orders.read"));
        using var request = new HttpRequestMessage(HttpMethod.Post, MsilMcpTestHost.McpPath)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_order","arguments":{"customer":"Ann","lines":[]}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");

        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var json = text.StartsWith('{') ? text : text.Split('\n').Single(l => l.StartsWith("data:", StringComparison.Ordinal))[5..];
        var error = JsonElement.Parse(json).GetProperty("error");

        Assert.Equal(-32600, error.GetProperty("code").GetInt32());
        var data = error.GetProperty("data");
        Assert.Equal("insufficient_scope", data.GetProperty("error").GetString());
        Assert.Equal("orders.read orders.write", data.GetProperty("scope").GetString());
        Assert.Equal("orders.write", data.GetProperty("missing_scope").GetString());
    }

    private async Task<IResult> CreateOrderAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        var bytes = body.ToArray();
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader);
        }
        catch (XmlException ex)
        {
            return Results.BadRequest(ex.Message);
        }

        var order = document.Root!;
        if (order.Name != Orders + "order" || request.ContentType != "application/xml; charset=utf-8"
            || order.Element(Orders + "customer") is null || order.Element(Orders + "lines") is not { } lines
            || lines.Elements(Orders + "line").Any(l => l.Attribute("sku") is null || l.Element(Orders + "quantity") is null)
            || order.Attribute("id") is not null)
        {
            return Results.BadRequest("unexpected order: " + Encoding.UTF8.GetString(bytes));
        }

        _received.Enqueue(Encoding.UTF8.GetString(bytes));
        return Results.Text("""<?xml version="1.0"?><receipt xmlns="urn:example:orders" id="42"><status>accepted</status><total>12.5</total></receipt>""", "application/xml", statusCode: 201);
    }

    private sealed class FakeTokens : IDownstreamTokenProvider
    {
        public ValueTask<SensitiveString?> GetTokenAsync(CallerIdentity caller, SensitiveString? subjectToken, string audience, CancellationToken cancellationToken)
            => new(new SensitiveString("token-for:" + audience));
    }
}
