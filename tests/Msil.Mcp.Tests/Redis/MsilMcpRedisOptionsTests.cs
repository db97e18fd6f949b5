using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Testing;
using Msil.Mcp.Hosting;
using Msil.Mcp.Redis;
using Msil.Mcp.Tasks;
using StackExchange.Redis;

namespace Msil.Mcp.Tests.Redis;

/// <summary>The shared connection's settings (<c>Msil:Mcp:Redis</c>): validation, the Production rule and the registration.</summary>
public sealed class MsilMcpRedisOptionsTests
{
    private readonly FakeLogger<ProductionTransportValidator> _logger = new();

    private ProductionTransportValidator Validator(string environment = "Production")
        => new(new HostingEnvironment { EnvironmentName = environment }, _logger);

    [Fact]
    public void Validate_ProductionSharedRedisWithoutTls_FailsNamingTheKeyAndTheAllowKey()
    {
        var result = Validator().Validate(null, new MsilMcpRedisOptions { ConnectionString = "redis:6379,password=pw" });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Redis:ConnectionString connects to Redis without TLS", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Redis:AllowInsecure=true", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProductionSharedRedisWithSslAndPasswordOverrides_Passes()
    {
        var result = Validator().Validate(null, new MsilMcpRedisOptions { ConnectionString = "redis:6379", Ssl = true, User = "msil_mcp", Password = "pw" });

        Assert.False(result.Failed);
    }

    [Fact]
    public void Validate_ProductionSharedRedisAllowedInsecure_PassesAndWarns()
    {
        var result = Validator().Validate(null, new MsilMcpRedisOptions { ConnectionString = "redis:6379", AllowInsecure = true });

        Assert.False(result.Failed);
        Assert.Contains("Msil:Mcp:Redis:AllowInsecure", _logger.LatestRecord.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00", "Msil:Mcp:Redis:Timeout")]
    [InlineData("00:01:00", "Msil:Mcp:Redis:Timeout")]
    public void Validate_TimeoutOutOfRange_FailsNamingTheKey(string timeout, string key)
    {
        var result = new MsilMcpRedisOptionsValidator().Validate(null, new MsilMcpRedisOptions { ConnectionString = "redis:6379", Timeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMsilMcp_NoSharedConnectionString_NoKeyedConnectionAndTasksInMemory()
    {
        using var provider = new ServiceCollection().AddLogging().AddMsilMcp().Services.BuildServiceProvider();

        Assert.Null(provider.GetKeyedService<IConnectionMultiplexer>(MsilMcpRedisOptions.ServiceKey));
        Assert.IsType<InMemoryToolTaskStore>(provider.GetRequiredService<IToolTaskStore>());
    }

    [Fact]
    public void AddMsilMcp_CalledTwice_RegistersTheSharedConnectionOnce()
    {
        var services = new ServiceCollection();
        services.AddMsilMcp();
        services.AddMsilMcp();

        Assert.Single(services, d => d.IsKeyedService && Equals(d.ServiceKey, MsilMcpRedisOptions.ServiceKey) && d.ServiceType == typeof(IConnectionMultiplexer));
    }

    [Fact]
    public void CreateConfiguration_Overrides_AppliedOverTheString()
    {
        var configuration = RedisRegistration.CreateConfiguration(new MsilMcpRedisOptions { ConnectionString = "redis:6379,password=old", Password = "new", User = "msil_mcp", Ssl = true, Timeout = TimeSpan.FromSeconds(2) });

        Assert.Equal("new", configuration.Password);
        Assert.Equal("msil_mcp", configuration.User);
        Assert.True(configuration.Ssl);
        Assert.Equal(2000, configuration.ConnectTimeout);
        Assert.False(configuration.AbortOnConnectFail);
    }
}
