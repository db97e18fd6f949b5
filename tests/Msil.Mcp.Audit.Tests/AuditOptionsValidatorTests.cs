namespace Msil.Mcp.Audit.Tests;

public sealed class AuditOptionsValidatorTests
{
    private readonly AuditOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_Succeeds()
        => Assert.True(_validator.Validate(null, new AuditOptions()).Succeeded);

    [Fact]
    public void Validate_BothTargetsConfiguredWell_Succeeds()
    {
        var o = new AuditOptions();
        o.PostgreSql.ConnectionString = "Host=db;Database=audit;Username=writer;Password=x";
        o.PostgreSql.WriterRole = "audit_writer";
        o.S3.Bucket = "msil-audit";
        o.S3.ServiceUrl = new Uri("http://127.0.0.1:9000");

        Assert.True(_validator.Validate(null, o).Succeeded);
    }

    public static TheoryData<string, Action<AuditOptions>> BadOptions => new()
    {
        { "Msil:Mcp:Audit:Directory", o => o.Directory = " " },
        { "Msil:Mcp:Audit:MaxFileBytes", o => o.MaxFileBytes = 10 },
        { "Msil:Mcp:Audit:QueueCapacity", o => o.QueueCapacity = 1 },
        { "Msil:Mcp:Audit:ChainId", o => o.ChainId = "bad/id" },
        { "Msil:Mcp:Audit:RetryDelay", o => o.RetryDelay = TimeSpan.Zero },
        { "Msil:Mcp:Audit:AdminRole", o => o.AdminRole = "" },
        { "Msil:Mcp:Audit:Durability", o => o.Durability = (AuditDurability)9 },
        { "Msil:Mcp:Audit:PostgreSql:ConnectionString", o => o.PostgreSql.ConnectionString = "Nonsense=1;Password=hunter2" },
        { "Msil:Mcp:Audit:PostgreSql:TableName", o => { o.PostgreSql.ConnectionString = "Host=db"; o.PostgreSql.TableName = "Audit-Events"; } },
        { "Msil:Mcp:Audit:PostgreSql:Schema", o => { o.PostgreSql.ConnectionString = "Host=db"; o.PostgreSql.Schema = "a;drop"; } },
        { "Msil:Mcp:Audit:PostgreSql:WriterRole", o => { o.PostgreSql.ConnectionString = "Host=db"; o.PostgreSql.WriterRole = "x\"; drop"; } },
        { "Msil:Mcp:Audit:S3:Bucket", o => o.S3.Bucket = "UPPER_case" },
        { "Msil:Mcp:Audit:S3:ServiceUrl", o => { o.S3.Bucket = "b-1"; o.S3.ServiceUrl = new Uri("ftp://x"); } },
        { "Msil:Mcp:Audit:S3:SecretKey", o => { o.S3.Bucket = "b-1"; o.S3.AccessKey = "id"; } },
        { "Msil:Mcp:Audit:S3:RetentionDays", o => { o.S3.Bucket = "b-1"; o.S3.RetentionDays = 0; } },
        { "Msil:Mcp:Audit:S3:BatchMaxAge", o => { o.S3.Bucket = "b-1"; o.S3.BatchMaxAge = TimeSpan.Zero; } },
        { "Msil:Mcp:Audit:S3:BatchMaxRecords", o => { o.S3.Bucket = "b-1"; o.S3.BatchMaxRecords = 0; } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Validate_BadValue_FailsNamingTheKey(string key, Action<AuditOptions> configure)
    {
        var o = new AuditOptions();
        configure(o);

        // The single-field rules are DataAnnotations (the generated validator); the cross-field ones the hand-written one.
        var result = _validator.Validate(null, o);
        var annotations = new AuditOptionsAnnotationsValidator().Validate(null, o);
        var failures = (result.Failures ?? []).Concat(annotations.Failures ?? []).ToList();

        Assert.True(result.Failed || annotations.Failed);
        Assert.Contains(failures, f => f.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RetentionZeroWithoutObjectLock_Succeeds()
    {
        var o = new AuditOptions();
        o.S3.Bucket = "plain-bucket";
        o.S3.ObjectLockMode = AuditObjectLockMode.None;
        o.S3.RetentionDays = 0;

        Assert.True(_validator.Validate(null, o).Succeeded);
    }
}
