using System.Text.Json;
using ModelContextProtocol.Client;
using Msil.Mcp.IntegrationTests.Infrastructure;

namespace Msil.Mcp.IntegrationTests.EndToEnd;

/// <summary>
/// The C# SDK client lists and calls the reference server's tools with a bearer token on every protocol revision the
/// compatibility table (docs/compatibility.md) promises; the revision is pinned with <see cref="McpClientOptions.ProtocolVersion"/>.
/// </summary>
[Collection(ReferenceServerGroup.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ProtocolRevisionTests(ReferenceServerFixture server)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("2025-06-18")]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public async Task ListAndCall_PinnedRevision_NegotiatesItAndCallsTheTool(string revision)
    {
        var token = await server.GetTokenAsync("bob");
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"{server.BaseUrl}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = revision }, cancellationToken: Ct);

        Assert.Equal(revision, client.NegotiatedProtocolVersion);
        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Contains(tools, t => t.Name == "get_vehicle_inventory");

        var result = await client.CallToolAsync("get_vehicle_inventory", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.NotEmpty(result.Content);
        Assert.Equal(JsonValueKind.Object, result.StructuredContent?.ValueKind);
    }

    [Theory]
    [InlineData("2025-06-18")]
    [InlineData("2026-07-28")]
    public async Task CallTool_ViewerOnWriteTool_IsRefusedAsAnUnknownToolOnEveryRevision(string revision)
    {
        var token = await server.GetTokenAsync("alice");
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"{server.BaseUrl}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = revision }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => client.CallToolAsync(
            "create_booking",
            new Dictionary<string, object?> { ["customer_id"] = "C001", ["vehicle_id"] = "V001", ["dealer_id"] = "DL001" },
            cancellationToken: Ct).AsTask());

        // The viewer may not list the tool either, so it is told nothing about it (issue 17).
        Assert.Equal(ModelContextProtocol.McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.Contains("Unknown tool: 'create_booking'", ex.Message, StringComparison.Ordinal);
    }
}
