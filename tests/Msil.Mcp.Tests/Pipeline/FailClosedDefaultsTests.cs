using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>With no policy, elevation or audit package, the core fails closed.</summary>
public sealed class FailClosedDefaultsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestHost> StartAsync() => TestHost.StartAsync(mcp =>
    {
        mcp.Services.AddSingletonStageLog();
        mcp.AddToolExecutor<RecordingExecutor>();
        mcp.AddTools("test", [Tools.Define("look", RiskLevel.Read), Tools.Define("change", RiskLevel.Write), Tools.Define("wipe", RiskLevel.Privileged)]);
    });

    [Fact]
    public async Task CallTool_NoPolicyEngine_ReadAllowedForAuthenticatedUser()
    {
        await using var host = await StartAsync();
        await using var client = await host.ConnectAsync("bob", "admin");

        var result = await client.CallToolAsync("look", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
    }

    [Fact]
    public async Task CallTool_NoPolicyEngine_WriteDeniedAsAToolTheCallerCannotSee()
    {
        await using var host = await StartAsync();
        await using var client = await host.ConnectAsync("bob", "admin");

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("change", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        // Denied for list too (tools/list does not show it), so the caller learns nothing about it: the unknown-tool answer.
        Assert.Contains("Unknown tool: 'change'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
    }

    [Fact]
    public async Task ListTools_NoPolicyEngine_ShowsOnlyReadTools()
    {
        await using var host = await StartAsync();
        await using var client = await host.ConnectAsync("bob", "admin");

        var names = (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name);

        Assert.Equal(["look"], names);
    }

    [Fact]
    public async Task CallTool_Anonymous_EvenReadDeniedAsUnknown()
    {
        await using var host = await StartAsync();
        await using var client = await host.ConnectAsync(user: null);

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("look", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        Assert.Contains("Unknown tool: 'look'", ex.Message, StringComparison.Ordinal);
    }
}

internal static class StageLogRegistration
{
    public static void AddSingletonStageLog(this Microsoft.Extensions.DependencyInjection.IServiceCollection services)
        => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, new StageLog());
}
