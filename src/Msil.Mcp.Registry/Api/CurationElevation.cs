using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Registry.Api;

/// <summary>One tool as a registry write leaves it: what was served before and what will be served after (null: not served).</summary>
/// <param name="StoredName">The tool's stored name (its stable id).</param>
/// <param name="Before">The served definition before the write.</param>
/// <param name="After">The served definition after the write.</param>
internal sealed record CurationEffect(string StoredName, ToolDefinition? Before, ToolDefinition? After);

/// <summary>
/// A registry write that weakens a tool's protection is itself privileged: it lowers a risk level (so a privileged tool
/// no longer needs elevation, or a write tool reaches read-only roles), renames a privileged tool, or stops serving a
/// privileged tool (disable, import that drops it). Such a write needs an elevation grant of the same mechanism a
/// governed call uses (<see cref="IElevationGate"/>), for the scope <c>registry.curate:{stored name}</c> (or
/// <c>registry.import:{source}</c> for imports), bound to the write's canonical content for argument-bound grants.
/// </summary>
internal static class CurationElevation
{
    /// <summary>The problem type of a registry write refused for want of elevation.</summary>
    public const string ProblemType = "urn:msil-mcp:problem:elevation-required";

    /// <summary>Lists why <paramref name="effect"/> is privileged; empty when it is not.</summary>
    public static IEnumerable<string> Reasons(CurationEffect effect)
    {
        var (name, before, after) = effect;
        if (before is null)
        {
            yield break;
        }

        if (after is null)
        {
            if (before.RiskLevel == RiskLevel.Privileged)
            {
                yield return $"stops serving privileged tool '{before.Name}'";
            }

            yield break;
        }

        if (after.RiskLevel < before.RiskLevel)
        {
            yield return $"lowers the risk level of '{before.Name}' from {before.RiskLevel.ToWire()} to {after.RiskLevel.ToWire()}";
        }

        if (!string.Equals(before.Name, after.Name, StringComparison.Ordinal) && (before.RiskLevel == RiskLevel.Privileged || after.RiskLevel == RiskLevel.Privileged))
        {
            yield return $"renames privileged tool '{before.Name}' to '{after.Name}'";
        }

        if (!string.Equals(before.Id ?? name, after.Id ?? name, StringComparison.Ordinal))
        {
            yield return $"changes the identity policy rules of '{before.Name}' are keyed by";
        }
    }

    /// <summary>Asks the elevation gate for a grant covering a privileged write.</summary>
    /// <param name="gate">The host's elevation gate (the core's default refuses).</param>
    /// <param name="caller">The admin.</param>
    /// <param name="scope">The elevation scope of the write.</param>
    /// <param name="operation">The operation (<c>override</c>, <c>override.delete</c>, <c>rollback</c>, <c>import</c>).</param>
    /// <param name="change">The write's canonical content (hashed into the check's arguments).</param>
    /// <param name="correlationId">The request's correlation id.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The gate's answer.</returns>
    public static ValueTask<ElevationCheck> CheckAsync(IElevationGate gate, CallerIdentity caller, string scope, string operation, string change, string correlationId, CancellationToken cancellationToken)
    {
        var arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["operation"] = JsonSerializer.SerializeToElement(operation, RegistryJsonContext.Default.String),
            ["change"] = JsonSerializer.SerializeToElement(change, RegistryJsonContext.Default.String),
        };
        var tool = new ToolDefinition
        {
            Name = scope,
            Description = "Registry write " + operation,
            RiskLevel = RiskLevel.Privileged,
            InputSchema = EmptySchema,
            Executor = "registry",
            Source = "registry",
            ContentHash = string.Empty,
        };
        return gate.CheckAsync(caller, tool, arguments, correlationId, cancellationToken);
    }

    private static JsonElement EmptySchema { get; } = JsonDocument.Parse("{\"type\":\"object\"}").RootElement.Clone();
}
