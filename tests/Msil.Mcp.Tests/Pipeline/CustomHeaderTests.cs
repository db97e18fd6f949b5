using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>
/// SEP-2243 custom headers over real HTTP: a governed tool declares <c>x-mcp-header</c>, the SDK's Streamable HTTP
/// transport checks the <c>Mcp-Param-*</c> header against the body and refuses a bad one with HTTP 400 and -32020
/// before the governed pipeline runs (no policy decision, no execution, no audit record).
/// </summary>
public sealed class CustomHeaderTests
{
    private const string Revision = "2026-07-28";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestHost> StartAsync(StageLog log, RecordingAudit audit)
        => TestHost.StartAsync(mcp =>
        {
            mcp.Services.AddSingleton(log);
            mcp.Services.AddSingleton(new RecordingPolicy(log));
            mcp.Services.AddSingleton(audit);
            mcp.UsePolicyDecisionPoint<RecordingPolicyAdapter>();
            mcp.UseAuditSink<RecordingAuditAdapter>();
            mcp.AddToolExecutor<RecordingExecutor>();
            mcp.AddTools("test",
            [
                Tools.Define("lookup", RiskLevel.Read, """
                    {"type":"object","properties":{
                      "region":{"type":"string","x-mcp-header":"Region"},
                      "query":{"type":"string"}},
                     "required":["region"],"additionalProperties":false}
                    """),
            ]);
        });

    [Theory]
    [InlineData("missing", "Missing required Mcp-Param-Region header")]
    [InlineData("other-value", "does not match body argument 'region'")]
    [InlineData("=?base64?SGVsbG8?=", "invalid Base64 encoding")]
    [InlineData("=?base64?SGVs!!!bG8=?=", "invalid Base64 encoding")]
    public async Task CallTool_HeaderMissingMismatchedOrBadBase64_Is400With32020AndNeverReachesThePipeline(string header, string message)
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        await using var host = await StartAsync(log, audit);
        using var http = new HttpClient();

        var (status, body) = await CallAsync(http, host, "Hello", header == "missing" ? null : header);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32020, (int?)body["error"]!["code"]);
        Assert.Contains(message, (string?)body["error"]!["message"], StringComparison.Ordinal);
        Assert.Empty(log.Entries); // no policy decision, no execution
        Assert.Empty(audit.Records); // the transport refused the request before the governed pipeline: nothing to audit
    }

    [Theory]
    [InlineData("Hello")]
    [InlineData("=?base64?SGVsbG8=?=")]
    public async Task CallTool_HeaderMatchesPlainOrBase64_RunsThroughThePipeline(string header)
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        await using var host = await StartAsync(log, audit);
        using var http = new HttpClient();

        var (status, body) = await CallAsync(http, host, "Hello", header);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(body["error"]);
        Assert.NotEqual(true, (bool?)body["result"]!["isError"]);
        Assert.Equal(["policy:lookup", "execute:lookup", "audit:" + AuditOutcomes.Success], log.Entries);
    }

    [Fact]
    public async Task ListTools_DeclaredHeader_IsPublishedAndTheSdkClientMirrorsIt()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        await using var host = await StartAsync(log, audit);
        await using var client = await host.ConnectAsync(new ModelContextProtocol.Client.McpClientOptions { ProtocolVersion = Revision }, "bob", "operator");

        var tool = Assert.Single(await client.ListToolsAsync(cancellationToken: Ct));
        Assert.Equal("Region", tool.ProtocolTool.InputSchema.GetProperty("properties").GetProperty("region").GetProperty("x-mcp-header").GetString());

        // The SDK client sends Mcp-Param-Region itself (from the listed schema); the transport accepts it.
        var result = await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["region"] = "Zürich" }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(["policy:lookup", "execute:lookup", "audit:" + AuditOutcomes.Success], log.Entries);
    }

    private static async Task<(HttpStatusCode Status, JsonObject Body)> CallAsync(HttpClient http, TestHost host, string region, string? header)
    {
        var parameters = new JsonObject
        {
            ["name"] = "lookup",
            ["arguments"] = new JsonObject { ["region"] = region },
            ["_meta"] = new JsonObject
            {
                ["io.modelcontextprotocol/protocolVersion"] = Revision,
                ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "raw-test", ["version"] = "1.0.0" },
                ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            },
        };
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/call", ["params"] = parameters };
        using var request = new HttpRequestMessage(HttpMethod.Post, host.BaseUrl + "/mcp")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", Revision);
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "lookup");
        request.Headers.Add(Msil.Mcp.Testing.TestAuthenticationDefaults.HeaderName, Msil.Mcp.Testing.TestCaller.Create("bob", "operator").ToHeaderValue());
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Param-Region", header);
        }

        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            text = text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()).Last(l => l.Contains("\"id\":1", StringComparison.Ordinal));
        }

        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }
}
