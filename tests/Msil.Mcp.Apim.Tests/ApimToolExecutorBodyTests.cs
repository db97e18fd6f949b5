using System.Xml;
using System.Xml.Linq;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Tests.Http;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests;

/// <summary>
/// XML, text and binary bodies and the backend credentials of a tool's security requirement, through the real executor
/// to a loopback backend that parses and checks what it receives.
/// </summary>
public sealed class ApimToolExecutorBodyTests
{
    private static readonly XNamespace Orders = XmlOrders.Namespace;
    private static readonly XNamespace Notes = XmlOrders.NotesNamespace;

    private const string ReceiptSchema = """{"type":"object","required":["id","status"],"properties":{"id":{"type":"integer"},"status":{"type":"string"},"total":{"type":"number"}}}""";

    private static readonly XmlMapping Receipt = new()
    {
        Name = "receipt",
        Namespace = XmlOrders.Namespace,
        Type = "object",
        Properties =
        [
            new XmlMapping { Name = "id", Property = "id", Attribute = true, Type = "integer" },
            new XmlMapping { Name = "status", Property = "status", Type = "string" },
            new XmlMapping { Name = "total", Property = "total", Type = "number" },
        ],
    };

    private static ToolDefinition CreateOrder()
    {
        var tool = ApimHarness.Tool("create_order", "POST", "/orders",
            [
                new HttpParameterBinding("customer", "customer", ParameterLocation.Body),
                new HttpParameterBinding("note", "note", ParameterLocation.Body),
                new HttpParameterBinding("lines", "lines", ParameterLocation.Body),
                new HttpParameterBinding("tags", "tags", ParameterLocation.Body),
            ], RiskLevel.Write, bodyContentType: "application/xml", outputSchema: ReceiptSchema);
        return tool with { Http = tool.Http! with { BodyXml = XmlOrders.Order, ResponseXml = Receipt } };
    }

    /// <summary>Parses the request as a strict XML parser would (no DTD) and answers with a receipt, or 400 with why not.</summary>
    private static Reply CheckOrder(RecordedRequest request)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(request.Body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader);
        }
        catch (XmlException ex)
        {
            return new Reply { Status = 400, Body = ex.Message, ContentType = "text/plain" };
        }

        var order = document.Root!;
        var lines = order.Element(Orders + "lines")?.Elements(Orders + "line").ToList() ?? [];
        var ok = order.Name == Orders + "order"
            && request.ContentType == "application/xml; charset=utf-8"
            && order.Element(Orders + "customer")?.Value == "Ann & Co <ltd>"
            && order.Element(Notes + "note")?.Value == "ring twice"
            && lines.Count == 2 && lines[0].Attribute("sku")?.Value == "A-1" && lines[1].Element(Orders + "quantity")?.Value == "3"
            && order.Elements(Orders + "tag").Select(t => t.Value).SequenceEqual(["gift"]);
        return ok
            ? new Reply { Status = 201, ContentType = "application/xml", Body = """<?xml version="1.0"?><receipt xmlns="urn:example:orders" id="42"><status>accepted</status><total>12.5</total></receipt>""" }
            : new Reply { Status = 400, ContentType = "text/plain", Body = "unexpected order: " + request.BodyText };
    }

    [Fact]
    public async Task ExecuteAsync_XmlBody_BackendParsesTheOrderAndTheReceiptIsStructured()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Action = CheckOrder };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(CreateOrder(),
            """{"customer":"Ann & Co <ltd>","note":"ring twice","lines":[{"sku":"A-1","quantity":1},{"sku":"B-2","quantity":3}],"tags":["gift"]}""");

        Assert.False(result.IsError, result.Text);
        Assert.Equal(201, result.BackendStatus);
        Assert.Equal("""{"id":42,"status":"accepted","total":12.5}""", result.StructuredContent!.Value.GetRawText());
        Assert.Contains("<status>accepted</status>", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_XmlAnswerWithADtd_IsTextOnlyWithANotice()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply
        {
            Status = 201,
            ContentType = "application/xml",
            Body = """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><receipt id="1"><status>&b;</status></receipt>""",
        };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(CreateOrder(), """{"customer":"Ann","lines":[]}""");

        Assert.False(result.IsError, result.Text);
        Assert.Null(result.StructuredContent);
        Assert.Contains("could not be read as structured content", result.Text, StringComparison.Ordinal);
        Assert.Contains("DTD", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("aaaaaaaaaaaaaaaaaaaa", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_XmlAnswerWithoutAMapping_IsText()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { ContentType = "text/xml", Body = "<status>up</status>" };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("get_health", "GET", "/health"));

        Assert.False(result.IsError, result.Text);
        Assert.Null(result.StructuredContent);
        Assert.Equal("<status>up</status>", result.Text);
    }

    [Fact]
    public async Task ExecuteAsync_TextPlainBody_IsSentAsIs()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("replace_note", "PUT", "/orders/7/note", [new HttpParameterBinding("body", "body", ParameterLocation.WholeBody)], RiskLevel.Write, bodyContentType: "text/plain");

        var result = await harness.CallAsync(tool, """{"body":"line one\nline <two> & three"}""");

        Assert.False(result.IsError, result.Text);
        var seen = Assert.Single(backend.Requests);
        Assert.Equal("text/plain; charset=utf-8", seen.ContentType);
        Assert.Equal("line one\nline <two> & three", seen.BodyText);
    }

    [Fact]
    public async Task ExecuteAsync_OctetStreamBody_SendsTheDecodedBytes()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("put_attachment", "PUT", "/orders/7/attachment", [new HttpParameterBinding("body", "body", ParameterLocation.WholeBody)], RiskLevel.Write, bodyContentType: "application/octet-stream");

        var result = await harness.CallAsync(tool, """{"body":"JVBERi0xLjQK/wA="}""");

        Assert.False(result.IsError, result.Text);
        var seen = Assert.Single(backend.Requests);
        Assert.Equal("application/octet-stream", seen.ContentType);
        Assert.Equal(Convert.FromBase64String("JVBERi0xLjQK/wA="), seen.Body);
    }

    [Fact]
    public async Task ExecuteAsync_BearerCredentialWithoutAnAudience_IsRefusedBeforeTheBackendIsCalled()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.DefaultAudience = null;
        });
        var tool = ApimHarness.Tool("get_order", "GET", "/orders/7");
        tool = tool with { Http = tool.Http! with { Credentials = [new BackendCredential("orders_oauth", BackendCredentialKind.Bearer)] } };

        var result = await harness.CallAsync(tool);

        Assert.True(result.IsError);
        Assert.Contains("expects a bearer token (security scheme 'orders_oauth')", result.Text, StringComparison.Ordinal);
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task ExecuteAsync_ApiKeyHeaderCredential_SendsTheSubscriptionKeyUnderThatHeader()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("get_order", "GET", "/orders/7");
        tool = tool with { Http = tool.Http! with { Credentials = [new BackendCredential("key", BackendCredentialKind.ApiKeyHeader, "X-Backend-Key")] } };

        var result = await harness.CallAsync(tool);

        Assert.False(result.IsError, result.Text);
        var seen = Assert.Single(backend.Requests);
        Assert.Equal(ApimHarness.SubscriptionKey, seen.Header("X-Backend-Key"));
        Assert.Equal(ApimHarness.SubscriptionKey, seen.Header("Ocp-Apim-Subscription-Key"));
    }
}
