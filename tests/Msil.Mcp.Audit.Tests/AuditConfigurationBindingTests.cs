using Msil.Mcp.Conformance;

namespace Msil.Mcp.Audit.Tests;

/// <summary><c>AddAudit(IConfiguration)</c> binds through the configuration binding source generator: every key of docs/configuration.md and audit.md lands in the options.</summary>
public sealed class AuditConfigurationBindingTests
{
    private static readonly Dictionary<string, string?> Values = new()
    {
        ["Msil:Mcp:Audit:Directory"] = "logs/audit",
        ["Msil:Mcp:Audit:Durability"] = "Synced",
        ["Msil:Mcp:Audit:MaxFileBytes"] = "1048576",
        ["Msil:Mcp:Audit:QueueCapacity"] = "100",
        ["Msil:Mcp:Audit:ChainId"] = "orders-1",
        ["Msil:Mcp:Audit:OutboxFailurePolicy"] = "Allow",
        ["Msil:Mcp:Audit:RetryDelay"] = "00:00:02",
        ["Msil:Mcp:Audit:MaxRetryDelay"] = "00:01:00",
        ["Msil:Mcp:Audit:EnableQueryApi"] = "false",
        ["Msil:Mcp:Audit:AdminRole"] = "auditor",
        ["Msil:Mcp:Audit:PostgreSql:ConnectionString"] = "Host=db;Database=audit",
        ["Msil:Mcp:Audit:PostgreSql:SchemaConnectionString"] = "Host=db;Database=audit;Username=owner",
        ["Msil:Mcp:Audit:PostgreSql:Schema"] = "audit",
        ["Msil:Mcp:Audit:PostgreSql:TableName"] = "events",
        ["Msil:Mcp:Audit:PostgreSql:WriterRole"] = "audit_writer",
        ["Msil:Mcp:Audit:PostgreSql:BatchMaxRecords"] = "50",
        ["Msil:Mcp:Audit:PostgreSql:SslMode"] = "VerifyFull",
        ["Msil:Mcp:Audit:PostgreSql:MinPoolSize"] = "1",
        ["Msil:Mcp:Audit:PostgreSql:MaxPoolSize"] = "4",
        ["Msil:Mcp:Audit:PostgreSql:StatementTimeout"] = "00:00:10",
        ["Msil:Mcp:Audit:PostgreSql:LockTimeout"] = "00:00:01",
        ["Msil:Mcp:Audit:PostgreSql:PoolTimeout"] = "00:00:05",
        ["Msil:Mcp:Audit:PostgreSql:ConnectionLifetime"] = "00:10:00",
        ["Msil:Mcp:Audit:PostgreSql:AllowInsecureTransport"] = "true",
        ["Msil:Mcp:Audit:S3:ServiceUrl"] = "http://127.0.0.1:4569/",
        ["Msil:Mcp:Audit:S3:Bucket"] = "audit-bucket",
        ["Msil:Mcp:Audit:S3:Prefix"] = "orders/",
        ["Msil:Mcp:Audit:S3:Region"] = "eu-west-1",
        ["Msil:Mcp:Audit:S3:ForcePathStyle"] = "true",
        ["Msil:Mcp:Audit:S3:AccessKey"] = "ak",
        ["Msil:Mcp:Audit:S3:SecretKey"] = "sk",
        ["Msil:Mcp:Audit:S3:ObjectLockMode"] = "Governance",
        ["Msil:Mcp:Audit:S3:RetentionDays"] = "30",
        ["Msil:Mcp:Audit:S3:ServerSideEncryption"] = "S3Managed",
        ["Msil:Mcp:Audit:S3:KmsKeyId"] = "alias/audit",
        ["Msil:Mcp:Audit:S3:BatchMaxRecords"] = "10",
        ["Msil:Mcp:Audit:S3:BatchMaxAge"] = "00:00:30",
        ["Msil:Mcp:Audit:S3:DisableChunkEncoding"] = "true",
        ["Msil:Mcp:Audit:Redaction:RecordArguments"] = "false",
        ["Msil:Mcp:Audit:Redaction:SecretArgumentNames:0"] = "pin",
        ["Msil:Mcp:Audit:Redaction:PersonalArgumentNames:0"] = "iban",
        ["Msil:Mcp:Audit:Redaction:MaxArgumentsBytes"] = "1024",
    };

    [Fact]
    public void AddAudit_FullSection_EveryDocumentedKeyLandsInTheOptions()
    {
        using var services = ConfigurationBindingAssert.Register(Values, static (s, c) => s.AddMsilMcp().AddAudit(c.GetSection("Msil:Mcp:Audit")));

        var options = ConfigurationBindingAssert.Configured<AuditOptions>(services);

        Assert.Equal(Values.Count, ConfigurationBindingAssert.Landed(options, "Msil:Mcp:Audit", Values));
        Assert.Equal(["pin"], options.Redaction.SecretArgumentNames!);
    }

    [Fact]
    public void AddAudit_ConfigurationOverloads_NeedNoUnreferencedOrDynamicCode()
    {
        Assert.Equal(1, ConfigurationBindingAssert.TrimSafe(typeof(AuditMsilMcpBuilderExtensions)));
    }
}
