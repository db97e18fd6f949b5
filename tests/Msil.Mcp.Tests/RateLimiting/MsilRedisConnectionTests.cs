using Msil.Mcp.Connections;
using StackExchange.Redis;

namespace Msil.Mcp.Tests.RateLimiting;

/// <summary>The one Redis connection holder: made once on first use, a failure not kept, disposed only when owned.</summary>
[Trait("Category", "Integration")]
public sealed class MsilRedisConnectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Redis => Msil.Mcp.TestSupport.TestServiceContainers.Require("REDIS_CONNECTION_STRING");

    [Fact]
    public async Task GetConnection_ConcurrentFirstUses_ConnectOnceAndShareIt()
    {
        var connects = 0;
        await using var holder = new MsilRedisConnection(async _ =>
        {
            Interlocked.Increment(ref connects);
            return await ConnectionMultiplexer.ConnectAsync(MsilRedisConfiguration.Create(Redis, TimeSpan.FromSeconds(5), "msil-mcp-test"));
        });

        var connections = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => holder.GetConnectionAsync(Ct).AsTask()));
        var pong = await (await holder.GetDatabaseAsync(Ct)).PingAsync();

        Assert.Equal(1, connects);
        Assert.All(connections, c => Assert.Same(connections[0], c));
        Assert.True(holder.IsCreated);
        Assert.True(pong > TimeSpan.Zero);
    }

    [Fact]
    public async Task GetConnection_FirstConnectFails_TheNextUseTriesAgain()
    {
        var attempts = 0;
        await using var holder = new MsilRedisConnection(async _ =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                throw new TimeoutException("first attempt refused");
            }

            return await ConnectionMultiplexer.ConnectAsync(MsilRedisConfiguration.Create(Redis, TimeSpan.FromSeconds(5), "msil-mcp-test"));
        });

        await Assert.ThrowsAsync<TimeoutException>(async () => await holder.GetConnectionAsync(Ct));
        Assert.False(holder.IsCreated);
        var connection = await holder.GetConnectionAsync(Ct);

        Assert.Equal(2, attempts);
        Assert.True(connection.IsConnected);
    }

    [Fact]
    public async Task Dispose_DisposesAnOwnedConnectionOnly_AndRefusesLaterUse()
    {
        var hosts = await ConnectionMultiplexer.ConnectAsync(MsilRedisConfiguration.Create(Redis, TimeSpan.FromSeconds(5), "msil-mcp-test-host"));
        var notOwned = new MsilRedisConnection(_ => Task.FromResult<IConnectionMultiplexer>(hosts), ownsConnection: false);
        IConnectionMultiplexer? made = null;
        var owned = new MsilRedisConnection(async _ => made = await ConnectionMultiplexer.ConnectAsync(MsilRedisConfiguration.Create(Redis, TimeSpan.FromSeconds(5), "msil-mcp-test")));
        await notOwned.GetConnectionAsync(Ct);
        await owned.GetConnectionAsync(Ct);

        await notOwned.DisposeAsync();
        await owned.DisposeAsync();

        Assert.True(hosts.IsConnected); // the host's connection is the host's to close
        Assert.False(made!.IsConnected);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await owned.GetConnectionAsync(Ct));
        await hosts.DisposeAsync();
    }
}
