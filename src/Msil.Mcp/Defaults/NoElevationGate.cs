using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Defaults;

/// <summary>The elevation gate used when no elevation package is added: privileged tools never run.</summary>
internal sealed class NoElevationGate : IElevationGate
{
    public ValueTask<ElevationCheck> CheckAsync(CallerIdentity caller, ToolDefinition tool, IReadOnlyDictionary<string, JsonElement> arguments, string correlationId, CancellationToken cancellationToken)
        => new(new ElevationCheck(ElevationOutcome.Unavailable, "no elevation provider configured: privileged tools cannot run", tool.Name));
}
