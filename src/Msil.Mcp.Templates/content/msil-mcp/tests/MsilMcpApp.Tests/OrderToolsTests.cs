using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Testing;

namespace MsilMcpApp.Tests;

// The tools run in a real governed host (Kestrel on a free loopback port) with a scripted policy and an in-memory
// audit sink; the caller is a test identity, so no issuer is needed.
public sealed class OrderToolsTests
{
    [Fact]
    public async Task GetOrderStatus_KnownOrder_AnswersAndIsAudited()
    {
        await using var host = await MsilMcpTestHost.StartAsync(
            mcp => mcp.UseScriptedPolicy(ScriptedPolicyDecisionPoint.AllowAll()).UseInMemoryAuditSink().AddOrderTools(),
            o => o.ConfigureHost = b => b.Services.AddSingleton<OrderStore>(),
            TestContext.Current.CancellationToken);
        await using var client = await host.ConnectAsync(TestCaller.Create("bob", "operator"), cancellationToken: TestContext.Current.CancellationToken);

        var result = await client.CallToolAsync("get_order_status", new Dictionary<string, object?> { ["orderId"] = "SO-1001" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.IsError is not true);
        Assert.Contains("SO-1001 for Contoso is placed", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
        var record = await host.Audit.WaitForAsync(r => r.ToolName == "get_order_status", TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal("bob", record.UserId);
    }

    [Fact]
    public async Task GetOrderStatus_DeniedByPolicy_IsRefused()
    {
        var policy = ScriptedPolicyDecisionPoint.AllowAll().Deny("get_order_status", "not for this caller");
        await using var host = await MsilMcpTestHost.StartAsync(
            mcp => mcp.UseScriptedPolicy(policy).UseInMemoryAuditSink().AddOrderTools(),
            o => o.ConfigureHost = b => b.Services.AddSingleton<OrderStore>(),
            TestContext.Current.CancellationToken);
        await using var client = await host.ConnectAsync(TestCaller.Create("alice", "viewer"), cancellationToken: TestContext.Current.CancellationToken);

        await Assert.ThrowsAnyAsync<McpException>(() => client.CallToolAsync("get_order_status", new Dictionary<string, object?> { ["orderId"] = "SO-1001" }, cancellationToken: TestContext.Current.CancellationToken).AsTask());
        var record = await host.Audit.WaitForAsync(r => r.ToolName == "get_order_status" && r.PolicyAllow == false, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal("alice", record.UserId);
    }
}
