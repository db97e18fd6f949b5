using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Http;

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

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
        => access.Group(endpoints, AdminAuditActions.PolicySimulate).MapPost("/api/policy/simulate", HttpHandler.Run(SimulateAsync));

    private async Task<IResult> SimulateAsync(HttpContext context)
    {
        var admin = RoleEndpointFilter.Caller(context);
        var (body, bad) = await HttpJsonBody.ReadAsync(context, AdminJsonContext.Default.SimulationRequest, BodyShape, AdminHttp.MaxBodyBytes, AdminHttp.ProblemType).ConfigureAwait(false);
        if (body is null)
        {
            return bad!;
        }

        var errors = new List<string>();
        var user = Text(body.User, "user", errors);
        var tool = Text(body.Tool, "tool", errors);
        var domain = Text(body.Domain, "domain", errors);
        var roles = Names(body.Roles, "roles", errors);
        var groups = Names(body.Groups, "groups", errors);
        if ((tool is null) == (domain is null))
        {
            errors.Add("send exactly one of 'tool' (a tool name) and 'domain' (every tool of that domain)");
        }

        if (errors.Count > 0)
        {
            return AdminHttp.Problem(400, "Invalid simulation: " + string.Join("; ", errors) + ".");
        }

        var snapshot = catalog.Current;
        List<ToolDefinition> tools;
        if (tool is not null)
        {
            if (!snapshot.TryGetTool(tool, out var found))
            {
                return AdminHttp.Problem(404, $"Field 'tool': no tool '{CallerText.Bound(tool)}' in the catalog; send the name of a tool as tools/list shows it.");
            }

            tools = [found];
        }
        else
        {
            tools = [.. snapshot.Tools.Where(t => string.Equals(t.Domain, domain, StringComparison.OrdinalIgnoreCase)).OrderBy(t => t.Name, StringComparer.Ordinal)];
            if (tools.Count == 0)
            {
                return AdminHttp.Problem(404, $"Field 'domain': no tool of domain '{CallerText.Bound(domain)}' in the catalog; send a domain that tools have.");
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
                return AdminHttp.Problem(503, $"Field 'user': the users store cannot be read right now ({ex.GetType().Name}); send 'roles' and 'groups' without 'user', or try again.");
            }
            if (known is null && roles is null && groups is null)
            {
                return AdminHttp.Problem(404, $"Field 'user': no user '{CallerText.Bound(user)}' has called this server yet, so their roles and groups are unknown; send 'roles' and 'groups' explicitly.");
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

        return TypedResults.Json(
            new SimulationResponse([.. results.Select(r => new SimulationResult(r.Tool.Name, r.Tool.RiskLevel.ToWire(), Decision(r.List), Decision(r.Execute)))]),
            AdminJsonContext.Default.SimulationResponse);
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

    private static SimulatedDecision Decision(PolicyDecision decision) => new(decision.Allow, decision.Reason, decision.DecisionId);

    private static string? Text(string? value, string name, List<string> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(value) || value.Length > 256)
        {
            errors.Add($"'{name}' must be a non-empty string of at most 256 characters, or null");
            return null;
        }

        return value;
    }

    private static string[]? Names(string[]? value, string name, List<string> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > MaxNames || value.Any(e => string.IsNullOrWhiteSpace(e) || e.Length > 256))
        {
            errors.Add($"'{name}' must be an array of at most {MaxNames} non-empty strings (each at most 256 characters), or null to take the user's");
            return null;
        }

        return value;
    }
}
