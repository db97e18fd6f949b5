using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Policy.Opa.Embedded;

/// <summary>The role and tool data that both engines read (<c>data.json</c>): roles → risk levels; per-tool allow and deny.</summary>
internal sealed class PolicyData
{
    public Dictionary<string, HashSet<RiskLevel>> Roles { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, ToolRule> Tools { get; } = new(StringComparer.Ordinal);

    public static PolicyData Parse(ReadOnlySpan<byte> json, string origin)
    {
        using var doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var data = new PolicyData();
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{origin}: the root must be an object with 'roles' and 'tools'.");
        }

        if (root.TryGetProperty("roles", out var roles))
        {
            foreach (var role in roles.EnumerateObject())
            {
                var levels = new HashSet<RiskLevel>();
                if (role.Value.TryGetProperty("risk_levels", out var list))
                {
                    foreach (var item in list.EnumerateArray())
                    {
                        if (!RiskLevels.TryParse(item.GetString(), out var level))
                        {
                            throw new FormatException($"{origin}: roles.{role.Name}.risk_levels has '{item}', which is not read, write or privileged.");
                        }

                        levels.Add(level);
                    }
                }

                data.Roles[role.Name] = levels;
            }
        }

        if (root.TryGetProperty("tools", out var tools))
        {
            foreach (var tool in tools.EnumerateObject())
            {
                data.Tools[tool.Name] = new ToolRule(
                    Strings(tool.Value, "allow_roles"),
                    Strings(tool.Value, "deny_roles"),
                    Strings(tool.Value, "allow_groups"),
                    Strings(tool.Value, "deny_groups"));
            }
        }

        return data;
    }

    private static string[] Strings(JsonElement element, string name)
        => element.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray()
            : [];
}

/// <summary>Allow and deny lists of one tool.</summary>
internal sealed record ToolRule(string[] AllowRoles, string[] DenyRoles, string[] AllowGroups, string[] DenyGroups);
