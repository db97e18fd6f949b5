using System.Text.Json.Nodes;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Store;

namespace Msil.Mcp.Registry.Api;

/// <summary>
/// Which registry writes need a second admin's approval (<see cref="ToolRegistryOptions.RequireSecondApproval"/>): one
/// that adds or changes a privileged tool, or lowers any tool's risk level. The diff a staged change shows is built here too.
/// </summary>
internal static class FourEyes
{
    /// <summary>Lists why an import needs a second approval; empty when it does not.</summary>
    public static List<string> ImportReasons(ImportPlan plan, IReadOnlyList<CurationEffect> effects)
    {
        var reasons = new List<string>();
        foreach (var change in plan.Changes)
        {
            if (change.Kind == ToolChangeKind.Added && change.Definition?.RiskLevel == RiskLevel.Privileged)
            {
                reasons.Add($"adds privileged tool '{change.Name}'");
            }
            else if (change.Kind == ToolChangeKind.Changed && !change.Pinned)
            {
                var effect = effects.FirstOrDefault(e => e.StoredName == change.Name);
                reasons.AddRange(Reasons(new CurationEffect(change.Name, effect?.Before, effect?.After ?? change.Definition)));
            }
        }

        return reasons;
    }

    /// <summary>Lists why a write with <paramref name="effect"/> needs a second approval; empty when it does not.</summary>
    public static IEnumerable<string> Reasons(CurationEffect effect)
    {
        var (name, before, after) = effect;
        if (before?.RiskLevel == RiskLevel.Privileged || after?.RiskLevel == RiskLevel.Privileged)
        {
            yield return $"changes privileged tool '{before?.Name ?? after?.Name ?? name}'";
        }

        if (before is not null && after is not null && after.RiskLevel < before.RiskLevel)
        {
            yield return $"lowers the risk level of '{before.Name}' from {before.RiskLevel.ToWire()} to {after.RiskLevel.ToWire()}";
        }
    }

    /// <summary>The diff of a curation write: the tool as served before and after, and the fields that differ.</summary>
    public static JsonObject Diff(CurationEffect effect)
    {
        var (name, before, after) = effect;
        var kind = (before, after) switch
        {
            (null, null) => "unchanged",
            (null, _) => "added",
            (_, null) => "removed",
            _ => "changed",
        };
        var fields = before is not null && after is not null ? ImportPlanner.ChangedFields(before, after) : [];
        return new JsonObject
        {
            ["changes"] = new JsonArray(new JsonObject
            {
                ["name"] = name,
                ["kind"] = kind,
                ["served_name_before"] = before?.Name,
                ["served_name_after"] = after?.Name,
                ["risk_level_before"] = before?.RiskLevel.ToWire(),
                ["risk_level_after"] = after?.RiskLevel.ToWire(),
                ["changed_fields"] = new JsonArray(fields.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            }),
        };
    }
}
