using Msil.Mcp.Apim.Diagnostics;
using Msil.Mcp.Conformance;

namespace Msil.Mcp.Apim.Tests;

/// <summary>The conformance checks every package passes (<see cref="FeatureConformanceTests{TOptions}"/>), for Msil.Mcp.Apim.</summary>
public sealed class ApimConformanceTests : FeatureConformanceTests<ApimOptions>
{
    protected override string TelemetryName => "Msil.Mcp.Apim";

    protected override IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>
    {
        ["Msil:Mcp:Apim:GatewayUrl"] = "http://127.0.0.1:9/",
    };

    protected override IReadOnlyDictionary<string, string?> BadConfiguration => new Dictionary<string, string?> { ["Msil:Mcp:Apim:GatewayUrl"] = "ftp://127.0.0.1/" };

    protected override string BadConfigurationKey => "Msil:Mcp:Apim:GatewayUrl";

    protected override void AddFeature(IMsilMcpBuilder builder) => builder.AddApim();

    protected override void AddFeature(IMsilMcpBuilder builder, IConfiguration configuration) => builder.AddApim(configuration.GetSection(ApimOptions.SectionName));

    protected override ValueTask ExerciseAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        services.GetRequiredService<ApimMetrics>();
        _ = ApimMetrics.Source;

        // The options' validator and the executor take the package's loggers.
        _ = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApimOptions>>().Value;
        services.GetRequiredService<ApimToolExecutor>();
        return ValueTask.CompletedTask;
    }
}
