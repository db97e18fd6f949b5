using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Http;

/// <summary>
/// Endpoint metadata: the audit action a refused call of the endpoint is recorded under, and which of the package's role
/// sets may call it (<see cref="RoleSet"/> is the package's own key, e.g. <c>admin</c> or <c>admin+operator</c>).
/// </summary>
/// <param name="Action">The audit action of a refusal (e.g. <c>tools.write</c>).</param>
/// <param name="RoleSet">The package's key of the roles that may call the endpoint.</param>
internal sealed record RoleRequirement(string Action, string RoleSet);

/// <summary>The roles of a role set, resolved from the package's options, and the configuration keys that set them.</summary>
/// <param name="Roles">The role names; a caller in any one of them passes.</param>
/// <param name="ConfigurationKeys">The configuration keys of <paramref name="Roles"/>, for the 403 answer (e.g. <c>Msil:Mcp:AdminRole</c>).</param>
internal sealed record RoleRule(IReadOnlyList<string> Roles, string ConfigurationKeys)
{
    /// <summary>The roles quoted and joined for a message: <c>'admin' or 'operator'</c>.</summary>
    public string Quoted => "'" + string.Join("' or '", Roles) + "'";
}

/// <summary>A refused call, handed to the package's audit delegate.</summary>
/// <param name="Action">The audit action (<see cref="RoleRequirement.Action"/>).</param>
/// <param name="Caller">Who tried (<see cref="CallerIdentity.Anonymous"/> when not signed in).</param>
/// <param name="Status">401 (not signed in) or 403 (signed in without the role).</param>
/// <param name="Detail">The audit detail: <c>refused (401, not signed in): GET /api/…</c> or <c>refused (403, not in role 'admin'): GET /api/…</c>, the path bounded.</param>
/// <param name="Rule">The roles that would have passed.</param>
internal sealed record RoleRefusal(string Action, CallerIdentity Caller, int Status, string Detail, RoleRule Rule);

/// <summary>
/// The role check of every package's admin endpoints, as an endpoint filter on the group: the caller must be signed in
/// and in one of the roles of the endpoint's <see cref="RoleRequirement"/> (or the group's fallback). Otherwise the
/// refusal is audited through the package's delegate (every refusal, with the endpoint's action) and the answer is 401
/// through the host's challenge (<see cref="HttpChallenge"/>) or a 403 problem that names the role and its configuration
/// key. A passing caller is kept for the handler (<see cref="Caller"/>).
/// </summary>
/// <remarks>
/// Endpoint filters run after parameter binding, so an endpoint behind this filter must not bind its body as a parameter
/// (a malformed body would answer 400 before the role check): it reads the body with <see cref="HttpJsonBody"/>.
/// </remarks>
internal sealed class RoleEndpointFilter : IEndpointFilter
{
    /// <summary>The length path text is bounded at in the audit detail and the 403 answer.</summary>
    public const int MaxPathLength = 200;

    private static readonly object CallerKey = new();

    private readonly RoleRequirement fallback;
    private readonly Func<HttpContext, string, RoleRule> rule;
    private readonly Func<HttpContext, RoleRefusal, ValueTask> audit;
    private readonly Func<HttpContext, RoleRefusal, string> forbiddenDetail;
    private readonly string problemType;

    /// <summary>Creates the filter.</summary>
    /// <param name="fallback">The requirement of an endpoint that carries none of its own.</param>
    /// <param name="rule">Resolves a role set (<see cref="RoleRequirement.RoleSet"/>) to its roles, from the package's current options.</param>
    /// <param name="audit">Audits a refusal the package's way (its audit sink and action names).</param>
    /// <param name="forbiddenDetail">The 403 problem's detail; by default it names the roles, their configuration keys and the request.</param>
    /// <param name="problemType">The 403 problem's <c>type</c>.</param>
    public RoleEndpointFilter(
        RoleRequirement fallback,
        Func<HttpContext, string, RoleRule> rule,
        Func<HttpContext, RoleRefusal, ValueTask> audit,
        Func<HttpContext, RoleRefusal, string>? forbiddenDetail = null,
        string problemType = HttpProblem.AboutBlank)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(audit);
        this.fallback = fallback;
        this.rule = rule;
        this.audit = audit;
        this.forbiddenDetail = forbiddenDetail ?? DefaultForbiddenDetail;
        this.problemType = problemType;
    }

    /// <summary>Returns the caller the filter let through (signed in, in the role); <see cref="CallerIdentity.Anonymous"/> outside the filter.</summary>
    public static CallerIdentity Caller(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(CallerKey, out var value) && value is CallerIdentity caller ? caller : CallerIdentity.Anonymous;
    }

    /// <summary>The default 403 detail: <c>Only callers in the role 'admin' (Msil:Mcp:AdminRole) may use GET /api/…; ask an administrator for the role.</c></summary>
    public static string DefaultForbiddenDetail(HttpContext context, RoleRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(refusal);
        return $"Only callers in the role {refusal.Rule.Quoted} ({refusal.Rule.ConfigurationKeys}) may use {What(context)}; ask an administrator for the role.";
    }

    /// <summary>The request as audit and error text: method and bounded path.</summary>
    public static string What(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return $"{context.Request.Method} {CallerText.Bound(context.Request.Path.Value ?? string.Empty, MaxPathLength)}";
    }

    /// <inheritdoc/>
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var requirement = http.GetEndpoint()?.Metadata.GetMetadata<RoleRequirement>() ?? fallback;
        var roles = rule(http, requirement.RoleSet);
        var caller = http.RequestServices.GetRequiredService<ICallerIdentityResolver>().Resolve(http.User);
        var signedIn = http.User.Identity?.IsAuthenticated == true && caller.IsAuthenticated;
        if (signedIn && roles.Roles.Any(caller.IsInRole))
        {
            http.Items[CallerKey] = caller;
            return await next(context).ConfigureAwait(false);
        }

        if (!signedIn)
        {
            await audit(http, new RoleRefusal(requirement.Action, caller, StatusCodes.Status401Unauthorized, "refused (401, not signed in): " + What(http), roles)).ConfigureAwait(false);
            return HttpChallenge.Instance;
        }

        var refusal = new RoleRefusal(requirement.Action, caller, StatusCodes.Status403Forbidden, $"refused (403, not in role {roles.Quoted}): {What(http)}", roles);
        await audit(http, refusal).ConfigureAwait(false);
        return HttpProblem.Result(StatusCodes.Status403Forbidden, forbiddenDetail(http, refusal), problemType);
    }
}

/// <summary>Puts <see cref="RoleRequirement"/>s and the <see cref="RoleEndpointFilter"/> on endpoints and groups.</summary>
internal static class RoleEndpointConventions
{
    /// <summary>Records the audit action and role set of the endpoint (or of every endpoint of a group, unless one says otherwise).</summary>
    public static TBuilder RequireRoleSet<TBuilder>(this TBuilder builder, string action, string roleSet)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new RoleRequirement(action, roleSet));
}
