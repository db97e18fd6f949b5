using ModelContextProtocol.Client;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Policy.Opa.Tests.Infrastructure;

/// <summary>
/// A real host on a free loopback port (Msil.Mcp.Testing): AddMsilMcp().AddOpaPolicy(…), tools added in code with a
/// scripted executor and an in-memory audit sink; callers are named with roles and groups.
/// </summary>
internal static class PolicyTestHost
{
    public static Task<MsilMcpTestHost> StartAsync(Action<OpaPolicyOptions> policy, TimeProvider time, params ToolDefinition[] tools)
        => MsilMcpTestHost.StartAsync(
            mcp => mcp
                .AddOpaPolicy(policy)
                .UseInMemoryAuditSink()
                .AddScriptedExecutor(new ScriptedToolExecutor())
                .AddTools("test", tools),
            o => o.ConfigureHost = b => b.Services.AddSingleton(time),
            cancellationToken: TestContext.Current.CancellationToken);

    public static Task<McpClient> ConnectAsync(this MsilMcpTestHost host, string user, string[] roles, string[]? groups = null)
        => host.ConnectAsync(TestCaller.WithGroups(user, roles, groups ?? []), cancellationToken: TestContext.Current.CancellationToken);
}
