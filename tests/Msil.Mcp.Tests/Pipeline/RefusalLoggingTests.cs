using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>A governed refusal is an outcome: the SDK package logs it once, at Information, with the reason.</summary>
public sealed class RefusalLoggingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestHost> StartAsync() => TestHost.StartAsync(mcp =>
    {
        mcp.Services.AddFakeLogging();
        mcp.Services.AddLogging(b => b.AddFilter("Msil.Mcp", LogLevel.Information).AddFilter("ModelContextProtocol", LogLevel.Trace));
        mcp.Services.AddSingletonStageLog();
        mcp.AddToolExecutor<RecordingExecutor>();
        mcp.AddTools("test", [Tools.Define("look", RiskLevel.Read), Tools.Define("change", RiskLevel.Write)]);
    });

    [Fact]
    public async Task CallTool_UnknownName_LoggedOnceAtInformation()
    {
        await using var host = await StartAsync();
        await using var client = await host.ConnectAsync("bob", "admin");

        await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("nosuch", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        var records = host.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Category?.StartsWith("Msil.Mcp", StringComparison.Ordinal) == true).ToList();
        var refusal = Assert.Single(records, r => r.Id.Name == "UnknownToolRefused");
        Assert.Equal(LogLevel.Information, refusal.Level);
        Assert.Contains("'nosuch'", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(records, r => r.Level >= LogLevel.Warning && r.Exception is not null);

        // The SDK's own "threw an unhandled exception" / "request handler failed" records are left out for a refusal.
        var sdk = host.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Category?.StartsWith("ModelContextProtocol", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(sdk, r => r.Exception is McpProtocolException);
    }

    [Fact]
    public async Task CallTool_DeniedByPolicy_LoggedOnceAtInformationWithTheReason()
    {
        await using var host = await StartAsync();
        await using var client = await host.ConnectAsync("bob", "admin");

        await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("change", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        var records = host.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Category?.StartsWith("Msil.Mcp", StringComparison.Ordinal) == true).ToList();
        var denial = Assert.Single(records, r => r.Id.Name == "CallDenied");
        Assert.Equal(LogLevel.Information, denial.Level);
        Assert.Matches(@"denied by .+\(decision .+\): \S", denial.Message);
        Assert.DoesNotContain(records, r => r.Level >= LogLevel.Warning && r.Exception is not null);
    }
}
