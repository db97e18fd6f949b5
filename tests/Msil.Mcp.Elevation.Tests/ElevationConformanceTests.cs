using Msil.Mcp.Conformance;

namespace Msil.Mcp.Elevation.Tests;

/// <summary>The conformance checks every package passes (<see cref="FeatureConformanceTests{TOptions}"/>), for Msil.Mcp.Elevation.</summary>
public sealed class ElevationConformanceTests : FeatureConformanceTests<ElevationOptions>
{
    protected override string TelemetryName => "Msil.Mcp.Elevation";

    protected override IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>();

    protected override IReadOnlyDictionary<string, string?> BadConfiguration => new Dictionary<string, string?> { ["Msil:Mcp:Elevation:MaxPendingRequests"] = "0" };

    protected override string BadConfigurationKey => "Msil:Mcp:Elevation:MaxPendingRequests";

    protected override void AddFeature(IMsilMcpBuilder builder) => builder.AddElevation();

    protected override void AddFeature(IMsilMcpBuilder builder, IConfiguration configuration) => builder.AddElevation(configuration.GetSection(ElevationOptions.SectionName));

    protected override ValueTask ExerciseAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        services.GetRequiredService<ElevationTelemetry>();
        _ = ElevationTelemetry.Source;

        // The telemetry and the options' transport check take the package's loggers.
        _ = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ElevationOptions>>().Value;
        return ValueTask.CompletedTask;
    }
}
