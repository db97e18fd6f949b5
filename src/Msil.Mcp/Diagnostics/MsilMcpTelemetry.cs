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
        McpSdkName,
    ];

    internal static ActivitySource Source { get; } = new(CoreName);
}
