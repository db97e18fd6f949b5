using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
        group.MapGet(string.Empty, (RequestDelegate)ListAsync);
        group.MapGet("/{id}", (RequestDelegate)GetAsync);
        group.MapPost("/{id}/approve", (RequestDelegate)ApproveAsync).RequireRoleSet(ChangeAuditActions.Approve, AdminHttp.AdminOnly);
        group.MapPost("/{id}/reject", (RequestDelegate)RejectAsync).RequireRoleSet(ChangeAuditActions.Reject, AdminHttp.AdminOnly);
    }

    private async Task ListAsync(HttpContext context)
    {

        var state = context.Request.Query["state"].ToString();
        if (state.Length > 0 && !ChangeStates.IsKnown(state))
        {
            await AdminHttp.ProblemAsync(context, 400, "Query parameter 'state' must be pending, approved, rejected or stale; leave it out for every state.").ConfigureAwait(false);
            return;
        }

        var paging = await AdminHttp.PagingAsync(context).ConfigureAwait(false);
        if (paging is null)
        {
            return;
        }

        var (page, pageSize) = paging.Value;

        var (items, total) = await registry.Store.GetChangesAsync(state.Length > 0 ? state : null, (page - 1) * pageSize, pageSize, context.RequestAborted).ConfigureAwait(false);
        var list = new JsonArray();
        foreach (var change in items)
        {
            list.Add((JsonNode)Summary(change));
        }

        await AdminHttp.WriteAsync(context, 200, new JsonObject { ["items"] = list, ["total"] = total, ["page"] = page, ["page_size"] = pageSize }).ConfigureAwait(false);
    }

    private async Task GetAsync(HttpContext context)
    {

        var id = Id(context);
        if (await registry.Store.GetChangeAsync(id, context.RequestAborted).ConfigureAwait(false) is not { } change)
        {
            await NotFoundAsync(context, id).ConfigureAwait(false);
            return;
        }

        var body = Summary(change);
        body["base_revision"] = change.BaseRevision;
        body["current_revision"] = await registry.Store.GetRevisionAsync(context.RequestAborted).ConfigureAwait(false);
        body["elevation_reference"] = change.ElevationReference;
        body["diff"] = JsonNode.Parse(change.Diff);
        await AdminHttp.WriteAsync(context, 200, body).ConfigureAwait(false);
    }

    private async Task ApproveAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var id = Id(context);
        var decision = await registry.ApproveAsync(id, caller, AdminHttp.CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        await AnswerAsync(context, id, decision).ConfigureAwait(false);
    }

    private async Task RejectAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var id = Id(context);
        var decision = await registry.RejectAsync(id, caller, AdminHttp.CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        await AnswerAsync(context, id, decision).ConfigureAwait(false);
    }

    private static async Task AnswerAsync(HttpContext context, string id, ChangeDecision decision)
    {
        var change = decision.Change;
        switch (decision.Status)
        {
            case ChangeDecisionStatus.Done:
                var body = Summary(change!);
                body["revision"] = decision.Revision;
                await AdminHttp.WriteAsync(context, 200, body).ConfigureAwait(false);
                return;
            case ChangeDecisionStatus.NotFound:
                await NotFoundAsync(context, id).ConfigureAwait(false);
                return;
            case ChangeDecisionStatus.SelfApproval:
                await ConflictAsync(context, change!, $"You requested change {id}; another admin must approve it (four-eyes, Msil:Mcp:Registry:RequireSecondApproval).").ConfigureAwait(false);
                return;
            case ChangeDecisionStatus.Stale:
                await ConflictAsync(context, change!, $"Change {id} is stale: the registry moved from revision {change!.BaseRevision} to {decision.Revision} since it was requested, so it was not applied. Send the write again to stage a fresh change.").ConfigureAwait(false);
                return;
            case ChangeDecisionStatus.NotPending:
                await ConflictAsync(context, change!, $"Change {id} is already {change!.State} by {change.DecidedBy}; only a pending change can be decided.").ConfigureAwait(false);
                return;
            default:
                await ConflictAsync(context, change!, $"Change {id} cannot be applied ({decision.Detail}); it stays pending. Reject it and send the write again.").ConfigureAwait(false);
                return;
        }
    }

    private static Task ConflictAsync(HttpContext context, StagedChange change, string detail)
        => AdminHttp.ProblemAsync(context, 409, detail, HttpProblem.AboutBlank, new Dictionary<string, object?>(StringComparer.Ordinal) { ["change_id"] = change.Id, ["state"] = change.State });

    private static Task NotFoundAsync(HttpContext context, string id)
        => AdminHttp.ProblemAsync(context, 404, $"No change '{CallerText.Bound(id, 64)}' is staged; see GET /api/mcp/changes for the ids.");

    private static string Id(HttpContext context) => context.Request.RouteValues["id"]?.ToString() ?? string.Empty;

    private static JsonObject Summary(StagedChange change)
    {
        var json = new JsonObject
        {
            ["id"] = change.Id,
            ["kind"] = change.Kind,
        };
        if (change.Tool is not null)
        {
            json["tool"] = change.Tool;
        }

        if (change.Source is not null)
        {
            json["source"] = change.Source;
        }

        json["summary"] = change.Summary;
        json["requested_by"] = change.RequestedBy;
        json["requested_at"] = AdminHttp.Time(change.RequestedAt);
        json["state"] = change.State;
        json["decided_by"] = change.DecidedBy;
        json["decided_at"] = change.DecidedAt is { } at ? AdminHttp.Time(at) : null;
        return json;
    }
}
