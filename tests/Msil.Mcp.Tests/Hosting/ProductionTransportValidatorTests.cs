using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Msil.Mcp.Hosting;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Tasks;

namespace Msil.Mcp.Tests.Hosting;

public sealed class ProductionTransportValidatorTests
{
    private readonly FakeLogger<ProductionTransportValidator> _logger = new();

    private ProductionTransportValidator Validator(string environment = "Production")
        => new(new HostingEnvironment { EnvironmentName = environment }, _logger);

    [Theory]
    [InlineData("redis:6379", "without TLS and without a password")]
    [InlineData("redis:6379,password=pw", "without TLS")]
    [InlineData("redis:6380,ssl=true", "without a password")]
    public void Validate_ProductionKeyRingRedisWithoutTlsOrPassword_FailsNamingTheKeyAndTheFix(string connectionString, string missing)
    {
        var result = Validator().Validate(null, new MsilMcpOptions { KeyRingRedisConnectionString = connectionString });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:KeyRingRedisConnectionString connects to Redis " + missing, result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("ssl=true", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:AllowInsecureRedis=true", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", result.FailureMessage.Replace("password", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProductionRedisWithTlsAndPassword_Passes()
    {
        var result = Validator().Validate(null, new RateLimitOptions { Store = RateLimitStoreKind.Redis, RedisConnectionString = "redis:6380,user=mcp,password=pw,ssl=true" });

        Assert.False(result.Failed);
    }

    [Fact]
    public void Validate_ProductionRateLimitRedisAllowedInsecure_PassesAndLogsAWarningNamingTheSetting()
    {
        var result = Validator().Validate(null, new RateLimitOptions { Store = RateLimitStoreKind.Redis, RedisConnectionString = "127.0.0.1:6379", AllowInsecureRedis = true });

        Assert.False(result.Failed);
        var record = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal(250, record.Id.Id);
        Assert.Contains("Msil:Mcp:RateLimit:AllowInsecureRedis", record.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProductionTaskStoreWithoutTls_FailsNamingTheTasksKey()
    {
        var result = Validator().Validate(null, new ToolTaskOptions { RedisConnectionString = "redis:6379,password=pw" });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Tasks:RedisConnectionString", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Tasks:AllowInsecureRedis", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Staging")]
    public void Validate_OutsideProduction_DoesNotCheck(string environment)
    {
        var result = Validator(environment).Validate(null, new MsilMcpOptions { KeyRingRedisConnectionString = "redis:6379" });

        Assert.False(result.Failed);
        Assert.Empty(_logger.Collector.GetSnapshot());
    }

    [Fact]
    public void Validate_MemoryRateLimitStore_IgnoresTheUnusedConnectionString()
        => Assert.False(Validator().Validate(null, new RateLimitOptions { Store = RateLimitStoreKind.Memory, RedisConnectionString = "redis:6379" }).Failed);

    [Fact]
    public void AddMsilMcp_ProductionHostWithPlainRedisKeyRing_RefusesToStart()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Services.AddMsilMcp(o => o.KeyRingRedisConnectionString = "127.0.0.1:1");
        using var host = builder.Build();

        var ex = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<MsilMcpOptions>>().Value);

        Assert.Contains("Msil:Mcp:KeyRingRedisConnectionString connects to Redis without TLS and without a password", ex.Message, StringComparison.Ordinal);
    }
}
