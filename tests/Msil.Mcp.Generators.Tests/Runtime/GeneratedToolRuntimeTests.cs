using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Msil.Mcp.Generators.Tests.Runtime;

/// <summary>Generated tools through the governed pipeline in a real host, called with the MCP C# client.</summary>
public sealed class GeneratedToolRuntimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListTools_GeneratedTool_IsListedWithItsSchema()
    {
        await using var host = await RuntimeHost.StartAsync();
        await using var client = await host.ConnectAsync("olivia", "operator");

        var tools = await client.ListToolsAsync(cancellationToken: Ct);

        var place = Assert.Single(tools, t => t.Name == "place_order");
        Assert.Equal("Places an order for a customer.", place.Description);
        var schema = place.JsonSchema;
        Assert.Equal("object", schema.GetProperty("type").GetString());
        Assert.Equal(["customer", "lines"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ToArray());
        Assert.False(schema.GetProperty("properties").TryGetProperty("caller", out _));
        Assert.False(schema.GetProperty("properties").TryGetProperty("cancellationToken", out _));
        Assert.Equal("#/$defs/OrderLine", schema.GetProperty("properties").GetProperty("lines").GetProperty("items").GetProperty("$ref").GetString());
        Assert.Equal(1, schema.GetProperty("$defs").GetProperty("OrderLine").GetProperty("properties").GetProperty("quantity").GetProperty("minimum").GetInt32());
        Assert.Equal("Pending", schema.GetProperty("properties").GetProperty("status").GetProperty("default").GetString());
        Assert.NotNull(place.ProtocolTool.OutputSchema);
        Assert.DoesNotContain(tools, t => t.Name == "purge-orders"); // privileged: an operator does not see it
    }

    [Fact]
    public async Task CallTool_HeaderArguments_AreListedWithXMcpHeaderAndTheSdkClientsHeadersPassTheTransport()
    {
        await using var host = await RuntimeHost.StartAsync();
        await using var client = await host.ConnectAsync("olivia", "operator");

        var tool = Assert.Single(await client.ListToolsAsync(cancellationToken: Ct), t => t.Name == "count_region_orders");
        var properties = tool.JsonSchema.GetProperty("properties");
        Assert.Equal("Region", properties.GetProperty("region").GetProperty("x-mcp-header").GetString());
        Assert.Equal("Page", properties.GetProperty("page").GetProperty("x-mcp-header").GetString());

        // The client negotiated 2026-07-28 (the default), so it mirrors both arguments into Mcp-Param-* headers and
        // the transport checks them against the body before the governed pipeline runs.
        Assert.Equal("2026-07-28", client.NegotiatedProtocolVersion);
        var result = await client.CallToolAsync("count_region_orders", new Dictionary<string, object?> { ["region"] = "Nord Öst", ["page"] = 3 }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("Nord Öst: page 3", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task CallTool_ValidArguments_RunsMethodAndReturnsStructuredContent()
    {
        await using var host = await RuntimeHost.StartAsync();
        await using var client = await host.ConnectAsync("olivia", "operator");

        var result = await client.CallToolAsync("place_order", new Dictionary<string, object?>
        {
            ["customer"] = "ACME",
            ["lines"] = new[] { new { sku = "ABC-123", quantity = 2 } },
            ["shipTo"] = new { street = "1 Main St", postCode = "12345" },
            ["status"] = "Shipped",
        }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        var order = result.StructuredContent!.Value;
        Assert.Equal("ACME (by olivia)", order.GetProperty("customer").GetString());
        Assert.Equal("Shipped", order.GetProperty("status").GetString());
        Assert.Equal(2, order.GetProperty("lines")[0].GetProperty("quantity").GetInt32());
        Assert.Equal(JsonValueKind.Null, order.GetProperty("shipTo").GetProperty("city").ValueKind);

        var id = order.GetProperty("id").GetString();
        var fetched = await client.CallToolAsync("get_order", new Dictionary<string, object?> { ["id"] = id }, cancellationToken: Ct);
        Assert.Equal(id, fetched.StructuredContent!.Value.GetProperty("id").GetString());

        var count = await client.CallToolAsync("count_categories", new Dictionary<string, object?>
        {
            ["root"] = new { name = "a", children = new[] { new { name = "b", children = new[] { new { name = "c" } } } } },
        }, cancellationToken: Ct);
        Assert.Equal(3, count.StructuredContent!.Value.GetProperty("result").GetInt32());

        var who = await client.CallToolAsync("who_am_i", cancellationToken: Ct);
        Assert.Equal("olivia (store ok)", Assert.IsType<TextContentBlock>(who.Content.Single()).Text);
    }

    [Fact]
    public async Task CallTool_InvalidArguments_IsRefusedWithFieldLevelErrors()
    {
        await using var host = await RuntimeHost.StartAsync();
        await using var client = await host.ConnectAsync("olivia", "operator");

        var result = await client.CallToolAsync("place_order", new Dictionary<string, object?>
        {
            ["customer"] = "A",
            ["lines"] = new[] { new { sku = "bad", quantity = 0 } },
            ["status"] = "Lost",
        }, cancellationToken: Ct);

        Assert.True(result.IsError);
        var text = Assert.IsType<TextContentBlock>(result.Content.Single()).Text;
        Assert.Contains("- customer: must have at least 2", text, StringComparison.Ordinal);
        Assert.Contains("- lines[0].quantity: must be at least 1", text, StringComparison.Ordinal);
        Assert.Contains("- lines[0].sku: must match pattern", text, StringComparison.Ordinal);
        Assert.Contains("- status:", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_RoleWithoutRiskLevel_IsRefusedByPolicy()
    {
        await using var host = await RuntimeHost.StartAsync();
        await using var client = await host.ConnectAsync("victor", "viewer");

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.DoesNotContain(tools, t => t.Name == "place_order");

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("place_order", new Dictionary<string, object?>
        {
            ["customer"] = "ACME",
            ["lines"] = new[] { new { sku = "ABC-123", quantity = 1 } },
        }, cancellationToken: Ct).AsTask());

        // A tool the caller may not list is answered like a name that is not a tool (the reason stays in the audit).
        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.Contains("Unknown tool: 'place_order'", ex.Message, StringComparison.Ordinal);
    }
}
