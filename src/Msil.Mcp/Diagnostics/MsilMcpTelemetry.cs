using System.Diagnostics;

namespace Msil.Mcp;

/// <summary>The names of every ActivitySource and Meter of the Msil.Mcp packages, for the host's telemetry set-up.</summary>
public static class MsilMcpTelemetry
{
    /// <summary>The core package's ActivitySource and Meter name.</summary>
    public const string CoreName = "Msil.Mcp";

    /// <summary>The MCP SDK's own ActivitySource and Meter name.</summary>
    public const string McpSdkName = "Experimental.ModelContextProtocol";

    /// <summary>Gets every source name: the core's, each feature package's and the MCP SDK's.</summary>
    public static IReadOnlyList<string> SourceNames { get; } =
    [
        CoreName,
        "Msil.Mcp.Auth",
        "Msil.Mcp.Registry",
        "Msil.Mcp.Policy.Opa",
        "Msil.Mcp.Elevation",
        "Msil.Mcp.Apim",
        "Msil.Mcp.Audit",
        "Msil.Mcp.Chat",
        McpSdkName,
    ];

    /// <summary>
    /// Gets the tag keys of the MCP SDK's own instruments (meter <see cref="McpSdkName"/>) that never carry caller input:
    /// a host that exports that meter keeps only these (an OpenTelemetry view with
    /// <c>MetricStreamConfiguration.TagKeys</c>). The SDK tags its operation metric with <c>gen_ai.tool.name</c> and
    /// <c>mcp.method.name</c> exactly as the request sent them, so every made-up tool name would become a new series; the
    /// Msil meters carry the tool (catalog names only, else <c>_unknown</c>) and the method (MCP's, else <c>_other</c>).
    /// </summary>
    public static IReadOnlyList<string> McpSdkSafeTagKeys { get; } =
    [
        "error.type",
        "rpc.response.status_code",
        "gen_ai.operation.name",
        "network.protocol.name",
        "network.protocol.version",
        "network.transport",
    ];

    internal static ActivitySource Source { get; } = new(CoreName);
}
