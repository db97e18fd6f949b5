using Msil.Mcp.Conformance;

namespace Msil.Mcp.Policy.Opa.Tests;

/// <summary>The conformance checks every package passes (<see cref="FeatureConformanceTests{TOptions}"/>), for Msil.Mcp.Policy.Opa.</summary>
public sealed class PolicyOpaConformanceTests : FeatureConformanceTests<OpaPolicyOptions>
{
    protected override string TelemetryName => "Msil.Mcp.Policy.Opa";

    protected override IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>();

    protected override IReadOnlyDictionary<string, string?> BadConfiguration => new Dictionary<string, string?> { ["Msil:Mcp:Policy:Timeout"] = "00:01:00" };

    protected override string BadConfigurationKey => "Msil:Mcp:Policy:Timeout";

    protected override void AddFeature(IMsilMcpBuilder builder) => builder.AddOpaPolicy();

    protected override void AddFeature(IMsilMcpBuilder builder, IConfiguration configuration) => builder.AddOpaPolicy(configuration.GetSection(OpaPolicyOptions.SectionName));

    protected override ValueTask ExerciseAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        services.GetRequiredService<PolicyTelemetry>();
        _ = PolicyTelemetry.Source;

        // The decision point (embedded by default) takes the package's logger.
        services.GetRequiredService<Msil.Mcp.Abstractions.IPolicyDecisionPoint>();
        return ValueTask.CompletedTask;
    }
}
