using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.Tests.Support;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Audit.Tests;

public sealed class AuditMsilMcpBuilderExtensionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AddAudit_Twice_RegistersEverythingOnce()
    {
        var services = new ServiceCollection();
        var builder = services.AddMsilMcp();

        builder.AddAudit().AddAudit(o => o.Directory = _dir.Path);

        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(IAuditSink)));
        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(FileAuditSink)));
        Assert.Equal(3, services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationFactory?.Method.DeclaringType?.Assembly == typeof(FileAuditSink).Assembly));
        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(IMsilMcpEndpointContributor) && d.ImplementationType?.Assembly == typeof(FileAuditSink).Assembly));
    }

    [Fact]
    public async Task AddAudit_InvalidOptions_HostFailsToStartNamingTheKey()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMsilMcp().AddAudit(o =>
        {
            o.Directory = _dir.Path;
            o.S3.Bucket = "Not A Bucket";
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Msil:Mcp:Audit:S3:Bucket", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAudit_FromConfiguration_BindsNestedTargets()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Directory"] = _dir.Path,
            ["Durability"] = "Synced",
            ["PostgreSql:ConnectionString"] = "Host=db;Database=audit",
            ["PostgreSql:WriterRole"] = "audit_writer",
            ["S3:Bucket"] = "msil-audit",
            ["S3:ObjectLockMode"] = "Governance",
            ["S3:BatchMaxAge"] = "00:00:30",
        }).Build();
        var services = new ServiceCollection();

        services.AddMsilMcp().AddAudit(config);
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<AuditOptions>>().Value;

        Assert.Equal(AuditDurability.Synced, options.Durability);
        Assert.Equal("audit_writer", options.PostgreSql.WriterRole);
        Assert.Equal("msil-audit", options.S3.Bucket);
        Assert.Equal(AuditObjectLockMode.Governance, options.S3.ObjectLockMode);
        Assert.Equal(TimeSpan.FromSeconds(30), options.S3.BatchMaxAge);
    }

    [Fact]
    public async Task AddAudit_Started_IAuditSinkWritesTheChain()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMsilMcp().AddAudit(o => o.Directory = _dir.Path);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        await host.Services.GetRequiredService<IAuditSink>().WriteAsync(Sinks.Record(1), TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, AuditLogVerifier.VerifyDirectory(_dir.Path).Records);
    }

    [Fact]
    public async Task AddAudit_NoShippingTarget_OutboxStatusReportsNoLag()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMsilMcp().AddAudit(o => o.Directory = _dir.Path);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        await host.Services.GetRequiredService<IAuditSink>().WriteAsync(Sinks.Record(1), TestContext.Current.CancellationToken);
        var status = host.Services.GetRequiredService<IAuditOutboxStatus>();
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, status.Lag);
    }
}
