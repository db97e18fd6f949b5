using Msil.Mcp;

namespace OpenTelemetry.Metrics
{
    /// <summary>Registers every Msil.Mcp meter with an OpenTelemetry <see cref="MeterProviderBuilder"/>.</summary>
    public static class MsilMcpMeterProviderBuilderExtensions
    {
        /// <summary>
        /// Adds the meters of every Msil.Mcp package and the MCP SDK's (<see cref="MsilMcpTelemetry.SourceNames"/>), and
        /// keeps only the MCP SDK's tags that never carry caller input (<see cref="MsilMcpTelemetry.McpSdkSafeTagKeys"/>):
        /// the SDK tags its operation metric with the tool and method names exactly as a request sent them, so without
        /// this view every made-up tool name would become a new series.
        /// </summary>
        /// <param name="builder">The host's meter provider builder.</param>
        /// <returns>The same builder, for chaining.</returns>
        public static MeterProviderBuilder AddMsilMcpInstrumentation(this MeterProviderBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            return builder
                .AddMeter([.. MsilMcpTelemetry.SourceNames])
                .AddView(instrument => instrument.Meter.Name == MsilMcpTelemetry.McpSdkName
                    ? new MetricStreamConfiguration { TagKeys = [.. MsilMcpTelemetry.McpSdkSafeTagKeys] }
                    : null);
        }
    }
}

namespace OpenTelemetry.Trace
{
    /// <summary>Registers every Msil.Mcp activity source with an OpenTelemetry <see cref="TracerProviderBuilder"/>.</summary>
    public static class MsilMcpTracerProviderBuilderExtensions
    {
        /// <summary>
        /// Adds the activity sources of every Msil.Mcp package and the MCP SDK's (<see cref="MsilMcpTelemetry.SourceNames"/>),
        /// so a host does not spread the packages' source names itself.
        /// </summary>
        /// <param name="builder">The host's tracer provider builder.</param>
        /// <returns>The same builder, for chaining.</returns>
        public static TracerProviderBuilder AddMsilMcpInstrumentation(this TracerProviderBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            return builder.AddSource([.. MsilMcpTelemetry.SourceNames]);
        }
    }
}
