using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Defaults;

/// <summary>The core's default: audit records keep only the arguments' hash, never their values.</summary>
internal sealed class NoAuditArgumentRedactor : IAuditArgumentRedactor
{
    public string? Redact(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement> arguments) => null;
}
