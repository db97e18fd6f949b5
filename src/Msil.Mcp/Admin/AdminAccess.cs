using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Admin;

/// <summary>The permissions <c>GET /api/mcp/me</c> lists, computed from <see cref="MsilMcpOptions.AdminRole"/> and <see cref="MsilMcpOptions.OperatorRole"/>.</summary>
internal static class AdminPermissions
{
    public const string ToolsRead = "tools.read";
    public const string ToolsWrite = "tools.write";
    public const string ChangesApprove = "changes.approve";
    public const string AuditRead = "audit.read";
    public const string AuditVerify = "audit.verify";
    public const string PolicySimulate = "policy.simulate";
    public const string ElevationRead = "elevation.read";
    public const string ElevationRevoke = "elevation.revoke";
    public const string UsersRead = "users.read";
    public const string HealthRead = "health.read";

    /// <summary>Every permission, in the order the contract lists them (the admin role has them all).</summary>
    public static readonly string[] All = [ToolsRead, ToolsWrite, ChangesApprove, AuditRead, AuditVerify, PolicySimulate, ElevationRead, ElevationRevoke, UsersRead, HealthRead];

    /// <summary>What the operator role may do: read tools, audit and health.</summary>
    public static readonly string[] Operator = [ToolsRead, AuditRead, HealthRead];

    /// <summary>Returns the caller's permissions: every one for an administrator, the operator's for an operator, else none.</summary>
    public static IReadOnlyList<string> For(CallerIdentity caller, MsilMcpOptions options)
    {
        if (!caller.IsAuthenticated)
        {
            return [];
        }

        if (caller.IsInRole(options.AdminRole))
        {
            return All;
        }

        return caller.IsInRole(options.OperatorRole) ? Operator : [];
    }
}

/// <summary>The audit actions of the core's admin API.</summary>
internal static class AdminAuditActions
{
    /// <summary>A policy simulation (<c>POST /api/policy/simulate</c>), or a refused attempt at one.</summary>
    public const string PolicySimulate = "policy.simulate";

    /// <summary>A refused attempt to read the users store (<c>GET /api/users</c>).</summary>
    public const string UsersRead = "users.read";

    /// <summary>A refused attempt to read the admin health (<c>GET /api/mcp/admin/health</c>).</summary>
    public const string HealthRead = "health.read";
}

/// <summary>Checks the admin (or operator) role on an admin endpoint; answers 401/403 and audits the refusal otherwise.</summary>
internal sealed class AdminAccess(ICallerIdentityResolver identity, IOptionsMonitor<MsilMcpOptions> options, IAuditSink audit, TimeProvider time)
{
    public MsilMcpOptions Options => options.CurrentValue;

    public CallerIdentity Resolve(HttpContext context) => identity.Resolve(context.User);

    /// <summary>Returns the caller when signed in and in the admin role (or, with <paramref name="operatorToo"/>, the operator role); else refuses.</summary>
    public async Task<CallerIdentity?> RequireAsync(HttpContext context, string action, bool operatorToo)
    {
        var caller = identity.Resolve(context.User);
        var o = options.CurrentValue;
        var signedIn = context.User.Identity?.IsAuthenticated == true && caller.IsAuthenticated;
        if (signedIn && (caller.IsInRole(o.AdminRole) || (operatorToo && caller.IsInRole(o.OperatorRole))))
        {
            return caller;
        }

        var what = $"{context.Request.Method} {CallerText.Bound(context.Request.Path.Value ?? string.Empty)}";
        if (!signedIn)
        {
            await AuditRefusedAsync(context, action, caller, "refused (401, not signed in): " + what).ConfigureAwait(false);
            await AdminHttp.ChallengeAsync(context).ConfigureAwait(false);
            return null;
        }

        var roles = operatorToo ? $"'{o.AdminRole}' or '{o.OperatorRole}'" : $"'{o.AdminRole}'";
        await AuditRefusedAsync(context, action, caller, $"refused (403, not in role {roles}): {what}").ConfigureAwait(false);
        var keys = operatorToo ? "Msil:Mcp:AdminRole or Msil:Mcp:OperatorRole" : "Msil:Mcp:AdminRole";
        await AdminHttp.ProblemAsync(context, 403, $"Only callers in the role {roles} ({keys}) may use {what}; ask an administrator for the role.").ConfigureAwait(false);
        return null;
    }

    /// <summary>Writes an audit record for an admin action (the refusal or the action itself).</summary>
    public ValueTask AuditAsync(HttpContext context, string action, string outcome, CallerIdentity caller, string? tool, string detail, PolicyDecision? decision = null)
    {
        var now = time.GetUtcNow();
        return audit.WriteAsync(new AuditRecord
        {
            Id = Guid.CreateVersion7(now).ToString("N"),
            Timestamp = now,
            Action = action,
            Outcome = outcome,
            CorrelationId = AdminHttp.CorrelationId(context),
            UserId = caller.UserId,
            Subject = caller.Subject,
            ObjectId = caller.ObjectId,
            PreferredUsername = caller.PreferredUsername,
            Actor = caller.Actor,
            ToolName = tool is null ? null : CallerText.Bound(tool),
            PolicyAllow = decision?.Allow,
            PolicyReason = decision?.Reason,
            DecisionId = decision?.DecisionId,
            Detail = detail.Length > 512 ? string.Concat(detail.AsSpan(0, 512), "…") : detail,
        }, context.RequestAborted);
    }

    private ValueTask AuditRefusedAsync(HttpContext context, string action, CallerIdentity caller, string detail)
        => AuditAsync(context, action, AuditOutcomes.Denied, caller, null, detail);
}
