using Msil.Mcp.Conformance;

namespace Msil.Mcp.Audit.Tests;

/// <summary>The conformance checks every package passes (<see cref="FeatureConformanceTests{TOptions}"/>), for Msil.Mcp.Audit.</summary>
public sealed class AuditConformanceTests : FeatureConformanceTests<AuditOptions>
{
    protected override string TelemetryName => "Msil.Mcp.Audit";

    protected override IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>();

    protected override IReadOnlyDictionary<string, string?> BadConfiguration => new Dictionary<string, string?> { ["Msil:Mcp:Audit:QueueCapacity"] = "1" };

    protected override string BadConfigurationKey => "Msil:Mcp:Audit:QueueCapacity";

    protected override void AddFeature(IMsilMcpBuilder builder) => builder.AddAudit();

    protected override void AddFeature(IMsilMcpBuilder builder, IConfiguration configuration) => builder.AddAudit(configuration.GetSection(AuditOptions.SectionName));

    protected override ValueTask ExerciseAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        services.GetRequiredService<AuditTelemetry>();
        _ = AuditTelemetry.Source;

        // The options' transport check takes the package's logger.
        _ = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuditOptions>>().Value;
        return ValueTask.CompletedTask;
    }
}
