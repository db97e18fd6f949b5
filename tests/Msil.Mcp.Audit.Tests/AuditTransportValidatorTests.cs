using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Testing;

namespace Msil.Mcp.Audit.Tests;

public sealed class AuditTransportValidatorTests
{
    private const string Plain = "Host=db.internal;Database=mcp;Username=mcp_audit_writer;Password=pw";

    private readonly FakeLogger<AuditTransportValidator> _logger = new();

    private AuditTransportValidator Validator(string environment = "Production")
        => new(new HostingEnvironment { EnvironmentName = environment }, _logger);

    [Fact]
    public void Validate_ProductionWriterWithoutTls_FailsNamingTheKeyAndTheSetting()
    {
        var options = new AuditOptions();
        options.PostgreSql.ConnectionString = Plain;

        var result = Validator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Audit:PostgreSql:ConnectionString connects to PostgreSQL without required TLS (SSL Mode=Prefer)", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Audit:PostgreSql:AllowInsecureTransport=true", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProductionSchemaOwnerWithoutTls_FailsToo()
    {
        var options = new AuditOptions();
        options.PostgreSql.ConnectionString = Plain + ";SSL Mode=VerifyFull";
        options.PostgreSql.SchemaConnectionString = Plain;

        var result = Validator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Audit:PostgreSql:SchemaConnectionString", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OptionSslModeRequire_Passes()
    {
        var options = new AuditOptions();
        options.PostgreSql.ConnectionString = Plain;
        options.PostgreSql.SslMode = Npgsql.SslMode.Require;

        Assert.False(Validator().Validate(null, options).Failed);
    }

    [Fact]
    public void Validate_AllowInsecureTransport_PassesWithAWarning()
    {
        var options = new AuditOptions();
        options.PostgreSql.ConnectionString = Plain;
        options.PostgreSql.AllowInsecureTransport = true;

        Assert.False(Validator().Validate(null, options).Failed);
        var record = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal(6050, record.Id.Id);
    }

    [Fact]
    public void Validate_Development_DoesNotCheck()
    {
        var options = new AuditOptions();
        options.PostgreSql.ConnectionString = Plain;

        Assert.False(Validator("Development").Validate(null, options).Failed);
    }
}
