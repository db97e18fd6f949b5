using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Http;

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

    /// <summary>The role set of endpoints only the admin role may use.</summary>
    public const string AdminOnly = "admin";

    /// <summary>The role set of endpoints the admin and the operator role may use.</summary>
    public const string AdminOrOperator = "admin+operator";

    /// <summary>
    /// Returns a route group (no prefix) whose endpoints need the admin role unless one says otherwise
    /// (<c>RequireRoleSet(action, AdminOrOperator)</c>); a refusal is audited under the endpoint's action (else
    /// <paramref name="action"/>), and every answer is <c>no-store</c>.
    /// </summary>
    public RouteGroupBuilder Group(IEndpointRouteBuilder endpoints, string action)
    {
        var group = endpoints.MapGroup(string.Empty);
        group.AddEndpointFilter(AdminHttp.NoStore);
        group.AddEndpointFilter(new RoleEndpointFilter(new RoleRequirement(action, AdminOnly), Rule, AuditRefusedAsync, problemType: AdminHttp.ProblemType));
        return group;
    }

    private RoleRule Rule(HttpContext context, string roleSet)
    {
        var o = options.CurrentValue;
        return roleSet == AdminOrOperator
            ? new RoleRule([o.AdminRole, o.OperatorRole], "Msil:Mcp:AdminRole or Msil:Mcp:OperatorRole")
            : new RoleRule([o.AdminRole], "Msil:Mcp:AdminRole");
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

    private ValueTask AuditRefusedAsync(HttpContext context, RoleRefusal refusal)
        => AuditAsync(context, refusal.Action, AuditOutcomes.Denied, refusal.Caller, null, refusal.Detail);
}
