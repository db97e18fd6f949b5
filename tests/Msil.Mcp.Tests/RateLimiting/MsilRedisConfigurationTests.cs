using Msil.Mcp.Connections;
using StackExchange.Redis;

namespace Msil.Mcp.Tests.RateLimiting;

/// <summary>The one Redis client configuration every package uses: fail fast unless the connection string says otherwise.</summary>
public sealed class MsilRedisConfigurationTests
{
    [Fact]
    public void Create_PlainString_AppliesTimeoutsNoAbortFailFastAndClientName()
    {
        var configuration = MsilRedisConfiguration.Create("127.0.0.1:6379,password=x", TimeSpan.FromSeconds(5), "msil-mcp-test");

        Assert.Equal(5000, configuration.ConnectTimeout);
        Assert.Equal(5000, configuration.SyncTimeout);
        Assert.Equal(5000, configuration.AsyncTimeout);
        Assert.False(configuration.AbortOnConnectFail);
        Assert.Same(BacklogPolicy.FailFast, configuration.BacklogPolicy);
        Assert.Equal("msil-mcp-test", configuration.ClientName);
    }

    [Fact]
    public void Create_StringSetsItsOwnValues_TheyWin()
    {
        var configuration = MsilRedisConfiguration.Create(
            "127.0.0.1:6379, syncTimeout = 250,connectTimeout=1000,abortConnect=true,name=mine", TimeSpan.FromSeconds(5), "msil-mcp-test");

        Assert.Equal(1000, configuration.ConnectTimeout);
        Assert.Equal(250, configuration.SyncTimeout);
        Assert.Equal(5000, configuration.AsyncTimeout);
        Assert.True(configuration.AbortOnConnectFail);
        Assert.Equal("mine", configuration.ClientName);
    }

    [Fact]
    public void Create_EmptyString_Refused()
        => Assert.Throws<ArgumentException>(() => MsilRedisConfiguration.Create(" ", TimeSpan.FromSeconds(5), "msil-mcp-test"));
}
