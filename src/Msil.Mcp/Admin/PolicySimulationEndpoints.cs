using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Admin;

/// <summary>
/// <c>POST /api/policy/simulate</c> (admin role): asks the registered <see cref="IPolicyDecisionPoint"/> (embedded or
/// OPA) whether a user, or a set of roles and groups, may list and execute one tool or every tool of a domain. Nothing
/// is executed. Each simulation is audited (<c>policy.simulate</c>), and so is a refused attempt.
/// </summary>
internal sealed class PolicySimulationEndpoints(
    AdminAccess access,
    IPolicyDecisionPoint policy,
    IToolCatalog catalog,
    IUserDirectory users) : IMsilMcpEndpointContributor
{
    /// <summary>The issuer of a simulated caller that is not a known user.</summary>
    public const string SimulationIssuer = "urn:msil-mcp:simulation";

    /// <summary>The most roles or groups a simulation takes.</summary>
    public const int MaxNames = 100;

    private const string BodyShape = "{\"user\": \"alice\" | null, \"roles\": [], \"groups\": [], \"tool\": \"create_booking\" | null, \"domain\": \"booking\" | null}";

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => endpoints.MapPost("/api/policy/simulate", (RequestDelegate)SimulateAsync);

    private async Task SimulateAsync(HttpContext context)
    {
        var admin = await access.RequireAsync(context, AdminAuditActions.PolicySimulate, operatorToo: false).ConfigureAwait(false);
        if (admin is null)
        {
            return;
        }

        using var body = await AdminHttp.ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await AdminHttp.ProblemAsync(context, 400, $"The body must be a JSON object of at most {AdminHttp.MaxBodyBytes} bytes: {BodyShape}.").ConfigureAwait(false);
            return;
        }

        var root = body.RootElement;
        var errors = new List<string>();
        var user = Text(root, "user", errors);
        var tool = Text(root, "tool", errors);
        var domain = Text(root, "domain", errors);
        var roles = Names(root, "roles", errors);
        var groups = Names(root, "groups", errors);
        if ((tool is null) == (domain is null))
        {
            errors.Add("send exactly one of 'tool' (a tool name) and 'domain' (every tool of that domain)");
        }

        if (errors.Count > 0)
        {
            await AdminHttp.ProblemAsync(context, 400, "Invalid simulation: " + string.Join("; ", errors) + ".").ConfigureAwait(false);
            return;
        }

        var snapshot = catalog.Current;
        List<ToolDefinition> tools;
        if (tool is not null)
        {
            if (!snapshot.TryGetTool(tool, out var found))
            {
                await AdminHttp.ProblemAsync(context, 404, $"Field 'tool': no tool '{CallerText.Bound(tool)}' in the catalog; send the name of a tool as tools/list shows it.").ConfigureAwait(false);
                return;
            }

            tools = [found];
        }
        else
        {
            tools = [.. snapshot.Tools.Where(t => string.Equals(t.Domain, domain, StringComparison.OrdinalIgnoreCase)).OrderBy(t => t.Name, StringComparer.Ordinal)];
            if (tools.Count == 0)
            {
                await AdminHttp.ProblemAsync(context, 404, $"Field 'domain': no tool of domain '{CallerText.Bound(domain)}' in the catalog; send a domain that tools have.").ConfigureAwait(false);
                return;
            }
        }

        UserRecord? known = null;
        if (user is not null)
        {
            try
            {
                known = await FindUserAsync(user, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                await AdminHttp.ProblemAsync(context, 503, $"Field 'user': the users store cannot be read right now ({ex.GetType().Name}); send 'roles' and 'groups' without 'user', or try again.").ConfigureAwait(false);
                return;
            }
            if (known is null && roles is null && groups is null)
            {
                await AdminHttp.ProblemAsync(context, 404, $"Field 'user': no user '{CallerText.Bound(user)}' has called this server yet, so their roles and groups are unknown; send 'roles' and 'groups' explicitly.").ConfigureAwait(false);
                return;
            }
        }

        var baseCaller = new CallerIdentity
        {
            UserId = known?.Name ?? user ?? "simulated",
            Subject = known?.Subject ?? user ?? "simulated",
            Issuer = known?.Issuer ?? SimulationIssuer,
            Roles = roles ?? known?.Roles ?? [],
            Groups = groups ?? known?.Groups ?? [],
        };

        var results = new List<(ToolDefinition Tool, PolicyDecision List, PolicyDecision Execute)>(tools.Count);
        var noArguments = policy.RequiresArguments ? new Dictionary<string, JsonElement>(StringComparer.Ordinal) : null;
        foreach (var t in tools)
        {
            // The token's scopes are not simulated: the caller is given every scope the tool needs, so the answer is about roles and groups.
            var caller = t.RequiredScopes.Count == 0 ? baseCaller : baseCaller with { Scopes = t.RequiredScopes };
            var list = await policy.EvaluateAsync(new PolicyRequest(caller, t, PolicyAction.List), context.RequestAborted).ConfigureAwait(false);
            var execute = await policy.EvaluateAsync(new PolicyRequest(caller, t, PolicyAction.Execute, noArguments), context.RequestAborted).ConfigureAwait(false);
            results.Add((t, list, execute));
        }

        var allowed = results.Count(r => r.Execute.Allow);
        var subject = $"user '{CallerText.Bound(baseCaller.UserId)}'{(known is null ? string.Empty : " (known)")}, roles [{CallerText.Bound(string.Join(",", baseCaller.Roles))}], groups [{CallerText.Bound(string.Join(",", baseCaller.Groups))}]";
        var target = tool is not null ? "tool '" + tools[0].Name + "'" : $"domain '{CallerText.Bound(domain)}' ({tools.Count} tools)";
        await access.AuditAsync(context, AdminAuditActions.PolicySimulate, AuditOutcomes.Success, admin, tool is null ? null : tools[0].Name,
            $"simulated {target} for {subject}: {allowed} of {results.Count} executable", tool is null ? null : results[0].Execute).ConfigureAwait(false);

        await AdminHttp.JsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("results");
            foreach (var (t, list, execute) in results)
            {
                w.WriteStartObject();
                w.WriteString("tool", t.Name);
                w.WriteString("risk_level", t.RiskLevel.ToWire());
                WriteDecision(w, "list", list);
                WriteDecision(w, "execute", execute);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task<UserRecord?> FindUserAsync(string user, CancellationToken cancellationToken)
    {
        if (await users.GetAsync(user, cancellationToken).ConfigureAwait(false) is { } byKey)
        {
            return byKey;
        }

        var page = await users.ListAsync(user, 0, AdminHttp.MaxPageSize, cancellationToken).ConfigureAwait(false);
        return page.Items.FirstOrDefault(u => string.Equals(u.Name, user, StringComparison.OrdinalIgnoreCase))
            ?? page.Items.FirstOrDefault(u => string.Equals(u.Subject, user, StringComparison.Ordinal))
            ?? OnlyOne(page.Items.Where(u => IsLocalPartOf(user, u.Name)));
    }

    /// <summary>"alice" names <c>alice@example.test</c> when no other known user has that local part.</summary>
    private static bool IsLocalPartOf(string user, string name)
        => name.Length > user.Length && name[user.Length] == '@' && name.StartsWith(user, StringComparison.OrdinalIgnoreCase);

    private static UserRecord? OnlyOne(IEnumerable<UserRecord> candidates)
    {
        UserRecord? found = null;
        foreach (var candidate in candidates)
        {
            if (found is not null)
            {
                return null;
            }

            found = candidate;
        }

        return found;
    }

    private static void WriteDecision(Utf8JsonWriter w, string name, PolicyDecision decision)
    {
        w.WriteStartObject(name);
        w.WriteBoolean("allowed", decision.Allow);
        w.WriteString("reason", decision.Reason);
        w.WriteString("decision_id", decision.DecisionId);
        w.WriteEndObject();
    }

    private static string? Text(JsonElement root, string name, List<string> errors)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()) || value.GetString()!.Length > 256)
        {
            errors.Add($"'{name}' must be a non-empty string of at most 256 characters, or null");
            return null;
        }

        return value.GetString();
    }

    private static string[]? Names(JsonElement root, string name, List<string> errors)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > MaxNames
            || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(e.GetString()) || e.GetString()!.Length > 256))
        {
            errors.Add($"'{name}' must be an array of at most {MaxNames} non-empty strings (each at most 256 characters), or null to take the user's");
            return null;
        }

        return [.. value.EnumerateArray().Select(e => e.GetString()!)];
    }
}
