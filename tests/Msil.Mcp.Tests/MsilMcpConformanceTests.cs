using Microsoft.Extensions.Options;
using Msil.Mcp.Conformance;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;

namespace Msil.Mcp.Tests;

/// <summary>
/// The conformance checks every package passes (<see cref="FeatureConformanceTests{TOptions}"/>), for the core package
/// Msil.Mcp: its "feature" is <c>AddMsilMcp</c> itself, so registering twice means calling it twice.
/// </summary>
public sealed class MsilMcpConformanceTests : FeatureConformanceTests<MsilMcpOptions>
{
    protected override string TelemetryName => MsilMcpTelemetry.CoreName;

    protected override IReadOnlyDictionary<string, string?> BadConfiguration => new Dictionary<string, string?> { ["Msil:Mcp:MaxResultChars"] = "10" };

    protected override string BadConfigurationKey => "Msil:Mcp:MaxResultChars";

    protected override void AddDefaults(IServiceCollection services, int times)
    {
        for (var i = 0; i < times; i++)
        {
            services.AddMsilMcp();
        }
    }

    // The core is added by AddCore (bound from Msil:Mcp); there is no feature on top of it.
    protected override void AddFeature(IMsilMcpBuilder builder)
    {
    }

    protected override void AddFeature(IMsilMcpBuilder builder, IConfiguration configuration)
    {
    }

    protected override ValueTask ExerciseAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        services.GetRequiredService<MsilMcpMetrics>();
        _ = MsilMcpTelemetry.Source;

        // The options (and their transport check) and the governed pipeline with its stages take the core's loggers.
        _ = services.GetRequiredService<IOptions<MsilMcpOptions>>().Value;
        services.GetRequiredService<ToolCallPipeline>();
        return ValueTask.CompletedTask;
    }
}
