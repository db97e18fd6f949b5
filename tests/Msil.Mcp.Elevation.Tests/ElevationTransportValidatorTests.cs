using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Testing;

namespace Msil.Mcp.Elevation.Tests;

public sealed class ElevationTransportValidatorTests
{
    private readonly FakeLogger<ElevationTransportValidator> _logger = new();

    private ElevationTransportValidator Validator(string environment = "Production")
        => new(new HostingEnvironment { EnvironmentName = environment }, _logger);

    [Fact]
    public void Validate_ProductionGrantStoreWithoutTls_FailsNamingTheKeyAndTheSetting()
    {
        var result = Validator().Validate(null, new ElevationOptions { RedisConnectionString = "redis:6379,password=pw" });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Elevation:RedisConnectionString connects to Redis without TLS", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Elevation:AllowInsecureRedis=true", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TlsAndAclUser_Passes()
        => Assert.False(Validator().Validate(null, new ElevationOptions { RedisConnectionString = "redis:6380,user=mcp,password=pw,ssl=true" }).Failed);

    [Fact]
    public void Validate_AllowInsecureRedis_PassesWithAWarning()
    {
        Assert.False(Validator().Validate(null, new ElevationOptions { RedisConnectionString = "redis:6379", AllowInsecureRedis = true }).Failed);

        var record = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal(4040, record.Id.Id);
    }

    [Fact]
    public void Validate_Development_DoesNotCheck()
        => Assert.False(Validator("Development").Validate(null, new ElevationOptions { RedisConnectionString = "redis:6379" }).Failed);
}
