using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Testing;
using Msil.Mcp.Diagnostics;
using Npgsql;

namespace Msil.Mcp.Registry.Tests;

public sealed class RegistryTransportValidatorTests
{
    private const string Plain = "Host=db.internal;Database=mcp;Username=mcp_registry;Password=pw";

    private readonly FakeLogger<RegistryTransportValidator> _logger = new();

    private RegistryTransportValidator Validator(string environment = "Production")
        => new(new HostingEnvironment { EnvironmentName = environment }, _logger);

    private static ToolRegistryOptions PostgreSql(string connectionString) => new() { Store = ToolStoreKind.PostgreSql, ConnectionString = connectionString };

    [Theory]
    [InlineData(Plain)]
    [InlineData(Plain + ";SSL Mode=Prefer")]
    [InlineData(Plain + ";SSL Mode=Disable")]
    public void Validate_ProductionPostgreSqlWithoutRequiredTls_FailsNamingTheKeyAndTheFix(string connectionString)
    {
        var result = Validator().Validate(null, PostgreSql(connectionString));

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Registry:ConnectionString connects to PostgreSQL without required TLS", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("SSL Mode=VerifyFull;Root Certificate=", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Registry:AllowInsecurePostgreSql=true", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Password=pw", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Plain + ";SSL Mode=Require", null)]
    [InlineData(Plain + ";SSL Mode=VerifyFull", null)]
    [InlineData(Plain, SslMode.VerifyCA)]
    [InlineData("Host=/var/run/postgresql;Database=mcp;Username=mcp_registry", null)]
    public void Validate_ProductionPostgreSqlWithTlsOrALocalSocket_Passes(string connectionString, SslMode? sslMode)
    {
        var options = PostgreSql(connectionString);
        options.SslMode = sslMode;

        Assert.False(Validator().Validate(null, options).Failed);
    }

    [Fact]
    public void Validate_RootCertificateFileMissing_FailsNamingTheFile()
    {
        var result = Validator().Validate(null, PostgreSql(Plain + ";SSL Mode=VerifyFull;Root Certificate=/nonexistent/rds-global-bundle.pem"));

        Assert.True(result.Failed);
        Assert.Contains("Root Certificate file '/nonexistent/rds-global-bundle.pem' does not exist", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AllowInsecurePostgreSqlAndRedis_PassesAndLogsOneWarningEach()
    {
        var options = PostgreSql(Plain);
        options.AllowInsecurePostgreSql = true;
        options.Redis = "redis:6379";
        options.AllowInsecureRedis = true;

        Assert.False(Validator().Validate(null, options).Failed);

        var records = _logger.Collector.GetSnapshot();
        Assert.Equal([2070, 2071], records.Select(r => r.Id.Id));
        Assert.All(records, r => Assert.Equal(LogLevel.Warning, r.Level));
        Assert.Contains("Msil:Mcp:Registry:AllowInsecurePostgreSql", records[0].Message, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Registry:AllowInsecureRedis", records[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProductionRedisWithoutTls_Fails()
    {
        var result = Validator().Validate(null, new ToolRegistryOptions { Redis = "redis:6379,password=pw" });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Registry:Redis connects to Redis without TLS", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SqliteStoreInDevelopment_DoesNotCheck()
        => Assert.False(Validator("Development").Validate(null, new ToolRegistryOptions { Redis = "redis:6379" }).Failed);

    [Fact]
    public void ApplyDefaults_PlainString_GetsTheSeedPoolAndTimeouts()
    {
        var o = new ToolRegistryOptions();
        var applied = new NpgsqlConnectionStringBuilder(PostgreSqlTransport.ApplyDefaults(Plain, new PostgreSqlPoolSettings(
            SslMode.VerifyFull, o.MinPoolSize, o.MaxPoolSize, o.PoolTimeout, o.ConnectionLifetime, o.StatementTimeout, o.LockTimeout)));

        Assert.Equal(SslMode.VerifyFull, applied.SslMode);
        Assert.Equal(5, applied.MinPoolSize);
        Assert.Equal(15, applied.MaxPoolSize);
        Assert.Equal(30, applied.Timeout);
        Assert.Equal(1800, applied.ConnectionLifetime);
        Assert.Equal("-c statement_timeout=30000 -c lock_timeout=5000", applied.Options);
    }

    [Fact]
    public void ApplyDefaults_StringSetsItsOwn_TheStringWins()
    {
        var applied = new NpgsqlConnectionStringBuilder(PostgreSqlTransport.ApplyDefaults(
            Plain + ";SSL Mode=Require;Maximum Pool Size=40;Timeout=5;Connection Lifetime=60;Options=-c statement_timeout=1000",
            new PostgreSqlPoolSettings(SslMode.VerifyFull, 5, 15, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1800), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5))));

        Assert.Equal(SslMode.Require, applied.SslMode);
        Assert.Equal(40, applied.MaxPoolSize);
        Assert.Equal(5, applied.Timeout);
        Assert.Equal(60, applied.ConnectionLifetime);
        Assert.Equal("-c statement_timeout=1000 -c lock_timeout=5000", applied.Options);
    }
}
