using Msil.Mcp.Abstractions;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Catalog;

/// <summary>Tools added or removed while the server runs: seen by the next stateless list, pushed to stateful sessions.</summary>
public sealed class CatalogChangeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListTools_Stateless_SeesToolAddedAtRunTime()
    {
        await using var host = await TestHost.StartAsync(mcp => mcp.AddTools("seed", [Tools.Define("first", RiskLevel.Read)]));
        await using var client = await host.ConnectAsync("bob", "viewer");
        Assert.Equal(["first"], (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name));

        host.Services.GetRequiredService<IToolCatalogWriter>().ReplaceSource("runtime", [Tools.Define("second", RiskLevel.Read)]);

        Assert.Equal(["first", "second"], (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name));

        host.Services.GetRequiredService<IToolCatalogWriter>().ReplaceSource("seed", []);

        Assert.Equal(["second"], (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name));
    }

    [Fact]
    public async Task ListChanged_Stateful_NotificationPushedOnCatalogChange()
    {
        await using var host = await TestHost.StartAsync(
            mcp => mcp.AddTools("seed", [Tools.Define("first", RiskLevel.Read)]),
            o => o.SessionMode = McpSessionMode.Stateful);
        await using var client = await host.ConnectAsync("bob", "viewer");
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = client.RegisterNotificationHandler("notifications/tools/list_changed", (_, _) =>
        {
            received.TrySetResult();
            return ValueTask.CompletedTask;
        });
        Assert.True(client.ServerCapabilities.Tools?.ListChanged);

        // The client opens its GET stream for unsolicited notifications after connecting, in the background; a change
        // made before that stream is up has nobody to reach. So the change is repeated (a new tool each time) until a
        // notification arrives, bounded.
        var writer = host.Services.GetRequiredService<IToolCatalogWriter>();
        for (var i = 0; i < 20 && !received.Task.IsCompleted; i++)
        {
            writer.ReplaceSource("runtime", [Tools.Define("second", RiskLevel.Read), Tools.Define("extra_" + i, RiskLevel.Read)]);
            await Task.WhenAny(received.Task, Task.Delay(TimeSpan.FromMilliseconds(500), Ct));
        }

        Assert.True(received.Task.IsCompleted, "no notifications/tools/list_changed arrived within 20 catalog changes (10 s)");
        Assert.Contains("second", (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name));
    }

    [Fact]
    public async Task ReplaceSource_NameTakenByAnotherSource_ThrowsNamingBoth()
    {
        await using var host = await TestHost.StartAsync(mcp => mcp.AddTools("seed", [Tools.Define("first", RiskLevel.Read)]));
        var writer = host.Services.GetRequiredService<IToolCatalogWriter>();

        var ex = Assert.Throws<ArgumentException>(() => writer.ReplaceSource("other", [Tools.Define("first", RiskLevel.Read)]));

        Assert.Contains("'first'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'seed'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplaceSource_InvalidName_Throws()
    {
        await using var host = await TestHost.StartAsync();
        var writer = host.Services.GetRequiredService<IToolCatalogWriter>();

        Assert.Throws<ArgumentException>(() => writer.ReplaceSource("x", [Tools.Define("has space", RiskLevel.Read)]));
        Assert.Throws<ArgumentException>(() => writer.ReplaceSource("x", [Tools.Define(new string('a', 65), RiskLevel.Read)]));
    }
}
