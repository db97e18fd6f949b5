using System.Collections.Frozen;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Policy.Opa.Embedded;

/// <summary>
/// The role and tool data that both engines read (<c>data.json</c>), compiled for the embedded engine: roles (compared
/// case-insensitively) → the risk levels they allow; per tool, allow and deny lists of roles and groups (groups compared
/// exactly). Every reason the engine can give for an allow is built here, once per load, so a decision allocates
/// nothing but itself.
/// </summary>
internal sealed class PolicyData
{
    private static readonly FrozenDictionary<string, RuleMatch> NoMatches = FrozenDictionary<string, RuleMatch>.Empty;

    private PolicyData(FrozenDictionary<string, RoleEntry> roles, FrozenDictionary<string, ToolRule> tools, string origin)
    {
        Roles = roles;
        Tools = tools;
        Origin = origin;
    }

    /// <summary>Gets the roles by name (ordinal, case-insensitive).</summary>
    public FrozenDictionary<string, RoleEntry> Roles { get; }

    /// <summary>Gets the tool rules by tool name (ordinal).</summary>
    public FrozenDictionary<string, ToolRule> Tools { get; }

    /// <summary>Gets where the data came from, for log lines.</summary>
    public string Origin { get; }

    /// <summary>Parses and compiles <c>data.json</c>.</summary>
    /// <param name="json">The file's bytes.</param>
    /// <param name="origin">The file's path (or a description), named in error messages.</param>
    /// <returns>The compiled data.</returns>
    /// <exception cref="FormatException">The data is not of the documented shape.</exception>
    /// <exception cref="JsonException">The file is not JSON.</exception>
    public static PolicyData Parse(ReadOnlyMemory<byte> json, string origin)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{origin}: the root must be an object with 'roles' and 'tools'.");
        }

        var roles = new Dictionary<string, RoleEntry>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("roles", out var rolesElement))
        {
            RequireObject(rolesElement, origin, "roles");
            foreach (var role in rolesElement.EnumerateObject())
            {
                RequireObject(role.Value, origin, $"roles.{role.Name}");
                var levels = 0;
                foreach (var property in role.Value.EnumerateObject())
                {
                    switch (property.Name)
                    {
                        case "risk_levels":
                            foreach (var item in Strings(property.Value, origin, $"roles.{role.Name}.risk_levels"))
                            {
                                if (!RiskLevels.TryParse(item, out var level))
                                {
                                    throw new FormatException($"{origin}: roles.{role.Name}.risk_levels has '{item}', which is not read, write or privileged.");
                                }

                                levels |= 1 << (int)level;
                            }

                            break;
                        case "description":
                            break;
                        default:
                            throw new FormatException($"{origin}: roles.{role.Name} has '{property.Name}'; a role has only 'risk_levels' (and 'description').");
                    }
                }

                if (!roles.TryAdd(role.Name, new RoleEntry(role.Name.ToLowerInvariant(), levels)))
                {
                    throw new FormatException($"{origin}: roles has '{role.Name}' twice (role names are compared case-insensitively).");
                }
            }
        }

        var tools = new Dictionary<string, ToolRule>(StringComparer.Ordinal);
        if (root.TryGetProperty("tools", out var toolsElement))
        {
            RequireObject(toolsElement, origin, "tools");
            foreach (var tool in toolsElement.EnumerateObject())
            {
                RequireObject(tool.Value, origin, $"tools.{tool.Name}");
                FrozenDictionary<string, RuleMatch> allowRoles = NoMatches, denyRoles = NoMatches, allowGroups = NoMatches, denyGroups = NoMatches;
                foreach (var property in tool.Value.EnumerateObject())
                {
                    var path = $"tools.{tool.Name}.{property.Name}";
                    switch (property.Name)
                    {
                        case "allow_roles":
                            allowRoles = Matches(property.Value, origin, path, static r => r.ToLowerInvariant(), StringComparer.OrdinalIgnoreCase, $"tool '{tool.Name}' is allowed for role '{{0}}'");
                            break;
                        case "deny_roles":
                            denyRoles = Matches(property.Value, origin, path, static r => r.ToLowerInvariant(), StringComparer.OrdinalIgnoreCase, $"tool '{tool.Name}' is denied to role '{{0}}'");
                            break;
                        case "allow_groups":
                            allowGroups = Matches(property.Value, origin, path, static g => g, StringComparer.Ordinal, $"tool '{tool.Name}' is allowed for group '{{0}}'");
                            break;
                        case "deny_groups":
                            denyGroups = Matches(property.Value, origin, path, static g => g, StringComparer.Ordinal, $"tool '{tool.Name}' is denied to group '{{0}}'");
                            break;
                        case "description":
                            break;
                        default:
                            throw new FormatException($"{origin}: tools.{tool.Name} has '{property.Name}'; a tool rule has only allow_roles, deny_roles, allow_groups and deny_groups (and 'description').");
                    }
                }

                tools[tool.Name] = new ToolRule(allowRoles, denyRoles, allowGroups, denyGroups);
            }
        }

        return new PolicyData(roles.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), tools.ToFrozenDictionary(StringComparer.Ordinal), origin);
    }

    private static void RequireObject(JsonElement element, string origin, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{origin}: {path} must be an object.");
        }
    }

    private static List<string> Strings(JsonElement element, string origin, string path)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{origin}: {path} must be an array of strings.");
        }

        var list = new List<string>(element.GetArrayLength());
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"{origin}: {path} has {item.GetRawText()}, which is not a string.");
            }

            list.Add(item.GetString()!);
        }

        return list;
    }

    private static FrozenDictionary<string, RuleMatch> Matches(JsonElement element, string origin, string path, Func<string, string> canonical, StringComparer comparer, string reasonFormat)
    {
        var map = new Dictionary<string, RuleMatch>(comparer);
        foreach (var value in Strings(element, origin, path))
        {
            var name = canonical(value);
            map.TryAdd(value, new RuleMatch(name, string.Format(System.Globalization.CultureInfo.InvariantCulture, reasonFormat, name)));
        }

        return map.Count == 0 ? NoMatches : map.ToFrozenDictionary(comparer);
    }
}

/// <summary>One role: its lower-case name, the risk levels it allows and the reason of each allow.</summary>
internal sealed class RoleEntry
{
    private readonly int _levels;
    private readonly string[] _allowReasons;

    public RoleEntry(string name, int levels)
    {
        Name = name;
        _levels = levels;
        _allowReasons = [Reason(RiskLevel.Read), Reason(RiskLevel.Write), Reason(RiskLevel.Privileged)];
        string Reason(RiskLevel level) => $"role '{name}' may use {level.ToWire()} tools";
    }

    /// <summary>Gets the role's name, lower-case.</summary>
    public string Name { get; }

    /// <summary>Returns whether the role allows tools of <paramref name="level"/>.</summary>
    /// <param name="level">The tool's risk level (0–2).</param>
    /// <returns><see langword="true"/> when allowed.</returns>
    public bool Allows(RiskLevel level) => (_levels & (1 << (int)level)) != 0;

    /// <summary>Returns the reason of an allow for <paramref name="level"/>.</summary>
    /// <param name="level">The tool's risk level (0–2).</param>
    /// <returns>The reason.</returns>
    public string AllowReason(RiskLevel level) => _allowReasons[(int)level];
}

/// <summary>A role or group named by a tool rule: its canonical name (lower-case for roles) and the reason when it decides.</summary>
/// <param name="Name">The canonical name; where several match, the first in ordinal order decides.</param>
/// <param name="Reason">The decision's reason.</param>
internal sealed record RuleMatch(string Name, string Reason);

/// <summary>Allow and deny lists of one tool, keyed by role (case-insensitive) or group (exact).</summary>
internal sealed record ToolRule(
    FrozenDictionary<string, RuleMatch> AllowRoles,
    FrozenDictionary<string, RuleMatch> DenyRoles,
    FrozenDictionary<string, RuleMatch> AllowGroups,
    FrozenDictionary<string, RuleMatch> DenyGroups);
