using Msil.Mcp.Conformance;

namespace Msil.Mcp.Registry.Tests;

/// <summary>The conformance checks every package passes (<see cref="FeatureConformanceTests{TOptions}"/>), for Msil.Mcp.Registry.</summary>
public sealed class RegistryConformanceTests : FeatureConformanceTests<ToolRegistryOptions>
{
    protected override string TelemetryName => "Msil.Mcp.Registry";

    protected override IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>();

    protected override IReadOnlyDictionary<string, string?> BadConfiguration => new Dictionary<string, string?> { ["Msil:Mcp:Registry:MaxToolsPerImport"] = "0" };

    protected override string BadConfigurationKey => "Msil:Mcp:Registry:MaxToolsPerImport";

    protected override void AddFeature(IMsilMcpBuilder builder) => builder.AddToolRegistry();

    protected override void AddFeature(IMsilMcpBuilder builder, IConfiguration configuration) => builder.AddToolRegistry(configuration.GetSection(ToolRegistryOptions.SectionName));

    protected override ValueTask ExerciseAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        services.GetRequiredService<RegistryTelemetry>();
        _ = RegistryTelemetry.Source;

        // The registry and its options' transport check take the package's loggers.
        _ = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ToolRegistryOptions>>().Value;
        services.GetRequiredService<Msil.Mcp.Registry.Catalog.ToolRegistry>();
        return ValueTask.CompletedTask;
    }
}
