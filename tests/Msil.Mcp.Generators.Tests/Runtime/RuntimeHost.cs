using ModelContextProtocol.Client;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Generators.Tests.Runtime;

/// <summary>
/// A real Kestrel host on a loopback port (Msil.Mcp.Testing) with the governed server, the embedded OPA policy and the
/// generated order tools; callers are named with roles through the test identity header.
/// </summary>
internal sealed class RuntimeHost : IAsyncDisposable
{
    private readonly MsilMcpTestHost _host;

    private RuntimeHost(MsilMcpTestHost host) => _host = host;

    public static async Task<RuntimeHost> StartAsync()
    {
        var host = await MsilMcpTestHost.StartAsync(
            mcp =>
            {
                mcp.Services.AddSingleton<IOrderStore, InMemoryOrderStore>();
                mcp.AddOpaPolicy().AddOrderTools();
            },
            o => o.RequireAuthorization = false,
            TestContext.Current.CancellationToken);
        return new RuntimeHost(host);
    }

    public Task<McpClient> ConnectAsync(string user, params string[] roles)
        => _host.ConnectAsync(TestCaller.Create(user, roles), cancellationToken: TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
