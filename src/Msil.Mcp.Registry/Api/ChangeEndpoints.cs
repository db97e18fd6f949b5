using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Http;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.Store;

namespace Msil.Mcp.Registry.Api;

/// <summary>
/// Four-eyes staging (admin role): <c>GET /api/mcp/changes?state=</c>, <c>GET /api/mcp/changes/{id}</c> (with the diff),
/// <c>POST /api/mcp/changes/{id}/approve</c> (another admin than the requester; applied in one transaction with the
/// stale check) and <c>POST /api/mcp/changes/{id}/reject</c>. Decisions and refused requests are audited.
/// </summary>
internal sealed class ChangeEndpoints(ToolRegistry registry, IOptions<ToolRegistryOptions> options) : IMsilMcpEndpointContributor
{
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var group = AdminHttp.Group(endpoints, "/api/mcp/changes", registry, options, new RoleRequirement(ChangeAuditActions.Read, AdminHttp.AdminOnly));
        group.MapGet(string.Empty, HttpHandler.Run(ListAsync));
        group.MapGet("/{id}", HttpHandler.Run(GetAsync));
        group.MapPost("/{id}/approve", HttpHandler.Run(ApproveAsync)).RequireRoleSet(ChangeAuditActions.Approve, AdminHttp.AdminOnly);
        group.MapPost("/{id}/reject", HttpHandler.Run(RejectAsync)).RequireRoleSet(ChangeAuditActions.Reject, AdminHttp.AdminOnly);
    }

    private async Task<IResult> ListAsync(HttpContext context)
    {
        var state = context.Request.Query["state"].ToString();
        if (state.Length > 0 && !ChangeStates.IsKnown(state))
        {
            return AdminHttp.Problem(400, "Query parameter 'state' must be pending, approved, rejected or stale; leave it out for every state.");
        }

        if (AdminHttp.Paging(context, out var page, out var pageSize) is { } bad)
        {
            return bad;
        }

        var (items, total) = await registry.Store.GetChangesAsync(state.Length > 0 ? state : null, (page - 1) * pageSize, pageSize, context.RequestAborted).ConfigureAwait(false);
        return AdminHttp.Json(new ChangeListResponse([.. items.Select(c => Summary(c))], total, page, pageSize), RegistryApiJsonContext.Default.ChangeListResponse);
    }

    private async Task<IResult> GetAsync(HttpContext context)
    {
        var id = Id(context);
        if (await registry.Store.GetChangeAsync(id, context.RequestAborted).ConfigureAwait(false) is not { } change)
        {
            return NotFound(id);
        }

        var body = Summary(change) with
        {
            BaseRevision = change.BaseRevision,
            CurrentRevision = await registry.Store.GetRevisionAsync(context.RequestAborted).ConfigureAwait(false),
            ElevationReference = RegistryApiJson.Present(change.ElevationReference),
            Diff = RegistryApiJson.Parse(change.Diff),
        };
        return AdminHttp.Json(body, RegistryApiJsonContext.Default.ChangeResponse);
    }

    private async Task<IResult> ApproveAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);
        var id = Id(context);
        var decision = await registry.ApproveAsync(id, caller, AdminHttp.CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        return Answer(id, decision);
    }

    private async Task<IResult> RejectAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);
        var id = Id(context);
        var decision = await registry.RejectAsync(id, caller, AdminHttp.CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        return Answer(id, decision);
    }

    private static IResult Answer(string id, ChangeDecision decision)
    {
        var change = decision.Change;
        return decision.Status switch
        {
            ChangeDecisionStatus.Done => AdminHttp.Json(Summary(change!) with { Revision = decision.Revision }, RegistryApiJsonContext.Default.ChangeResponse),
            ChangeDecisionStatus.NotFound => NotFound(id),
            ChangeDecisionStatus.SelfApproval => Conflict(change!, $"You requested change {id}; another admin must approve it (four-eyes, Msil:Mcp:Registry:RequireSecondApproval)."),
            ChangeDecisionStatus.Stale => Conflict(change!, $"Change {id} is stale: the registry moved from revision {change!.BaseRevision} to {decision.Revision} since it was requested, so it was not applied. Send the write again to stage a fresh change."),
            ChangeDecisionStatus.NotPending => Conflict(change!, $"Change {id} is already {change!.State} by {change.DecidedBy}; only a pending change can be decided."),
            _ => Conflict(change!, $"Change {id} cannot be applied ({decision.Detail}); it stays pending. Reject it and send the write again."),
        };
    }

    private static ProblemHttpResult Conflict(StagedChange change, string detail)
        => HttpProblem.Result(409, detail, HttpProblem.AboutBlank, new Dictionary<string, object?>(StringComparer.Ordinal) { ["change_id"] = change.Id, ["state"] = change.State });

    private static ProblemHttpResult NotFound(string id)
        => AdminHttp.Problem(404, $"No change '{CallerText.Bound(id, 64)}' is staged; see GET /api/mcp/changes for the ids.");

    private static string Id(HttpContext context) => context.Request.RouteValues["id"]?.ToString() ?? string.Empty;

    private static ChangeResponse Summary(StagedChange change) => new()
    {
        Id = change.Id,
        Kind = change.Kind,
        Tool = change.Tool,
        Source = change.Source,
        Summary = change.Summary,
        RequestedBy = change.RequestedBy,
        RequestedAt = AdminHttp.Time(change.RequestedAt),
        State = change.State,
        DecidedBy = change.DecidedBy,
        DecidedAt = change.DecidedAt is { } at ? AdminHttp.Time(at) : null,
    };
}
