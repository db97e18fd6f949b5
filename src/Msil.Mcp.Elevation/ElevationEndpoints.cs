using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Elevation;

/// <summary>
/// <c>POST /api/pim/check-elevation</c> (seed §4.2), <c>POST /api/pim/grants</c> and <c>DELETE /api/pim/grants/{user}/{scope}</c>
/// for the approval system, and in Development a one-click approval page under <c>/dev/pim</c>.
/// </summary>
internal sealed class ElevationEndpoints(
    IElevationGrantStore store,
    ElevationGate gate,
    ICallerIdentityResolver identity,
    IAuditSink audit,
    IOptionsMonitor<ElevationOptions> options,
    IHostEnvironment environment,
    TimeProvider time) : IMsilMcpEndpointContributor
{
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/pim").RequireAuthorization();
        api.MapPost("/check-elevation", (RequestDelegate)CheckAsync);
        api.MapPost("/grants", (RequestDelegate)GrantAsync);
        api.MapDelete("/grants/{user}/{scope}", (RequestDelegate)RevokeAsync);
        if (options.CurrentValue.EnableDevelopmentApprovalPage && environment.IsDevelopment())
        {
            var dev = endpoints.MapGroup("/dev/pim").AllowAnonymous().ExcludeFromDescription();
            dev.MapGet("/approve", (RequestDelegate)ApprovalPageAsync);
            dev.MapPost("/approve", (RequestDelegate)ApproveAsync);
        }
    }

    private async Task CheckAsync(HttpContext context)
    {
        var caller = identity.Resolve(context.User);
        var body = await ReadJsonAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await ProblemAsync(context, 400, "The body must be JSON: {\"user_id\": \"…\", \"role\": \"…\", \"scope\": \"…\"}.").ConfigureAwait(false);
            return;
        }

        var userId = Str(body, "user_id") ?? caller.UserId;
        var scope = Str(body, "scope");
        if (string.IsNullOrWhiteSpace(scope))
        {
            await ProblemAsync(context, 400, "Field 'scope' is required: the privileged tool's name or scope group.").ConfigureAwait(false);
            return;
        }

        if (!string.Equals(userId, caller.UserId, StringComparison.Ordinal) && !IsApprover(caller))
        {
            await ProblemAsync(context, 403, "You may check only your own elevation ('user_id' must be your own user id).").ConfigureAwait(false);
            return;
        }

        ElevationGrant? grant;
        try
        {
            grant = await store.GetAsync(userId, scope, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await ProblemAsync(context, 503, "The elevation grant store cannot be reached; privileged calls are refused until it is back.").ConfigureAwait(false);
            return;
        }

        await WriteAuditAsync(AuditActions.ElevationCheck, grant is null ? "requires_elevation" : "elevated", caller, scope, grant?.ApprovalReference).ConfigureAwait(false);
        if (grant is not null && grant.IsActive(scope, time.GetUtcNow()))
        {
            await JsonAsync(context, 200, new JsonObject
            {
                ["elevated"] = true,
                ["user_id"] = userId,
                ["scope"] = scope,
                ["expires_at"] = grant.ExpiresAt.ToString("O"),
                ["approval_reference"] = grant.ApprovalReference,
            }).ConfigureAwait(false);
            return;
        }

        await JsonAsync(context, 200, new JsonObject
        {
            ["elevated"] = false,
            ["requires_elevation"] = true,
            ["user_id"] = userId,
            ["scope"] = scope,
            ["elevation_url"] = gate.BuildUrl(userId, scope, context.TraceIdentifier).ToString(),
        }).ConfigureAwait(false);
    }

    private async Task GrantAsync(HttpContext context)
    {
        var caller = identity.Resolve(context.User);
        if (!IsApprover(caller))
        {
            await ProblemAsync(context, 403, $"Only the approval system (role '{options.CurrentValue.ApproverRole}') may record grants.").ConfigureAwait(false);
            return;
        }

        var body = await ReadJsonAsync(context).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        var userId = body is null ? null : Str(body, "user_id");
        var scope = body is null ? null : Str(body, "scope");
        var reference = body is null ? null : Str(body, "approval_reference");
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(userId))
        {
            errors.Add("'user_id' is required");
        }

        if (string.IsNullOrWhiteSpace(scope))
        {
            errors.Add("'scope' is required");
        }

        if (string.IsNullOrWhiteSpace(reference))
        {
            errors.Add("'approval_reference' is required");
        }

        var grantedAt = Date(body, "granted_at") ?? now;
        var expiresAt = Date(body, "expires_at") ?? grantedAt + o.DefaultGrantLifetime;
        if (expiresAt <= now)
        {
            errors.Add("'expires_at' must be in the future");
        }

        if (expiresAt - now > o.MaxGrantLifetime)
        {
            errors.Add($"'expires_at' is further away than the maximum grant lifetime ({o.MaxGrantLifetime}, Msil:Mcp:Elevation:MaxGrantLifetime)");
        }

        if (errors.Count > 0)
        {
            await ProblemAsync(context, 400, "Invalid grant: " + string.Join("; ", errors) + ".").ConfigureAwait(false);
            return;
        }

        var grant = new ElevationGrant
        {
            UserId = userId!,
            Scope = scope!,
            GrantedAt = grantedAt,
            ExpiresAt = expiresAt,
            ApprovalReference = reference!,
            SingleUse = body!.TryGetPropertyValue("single_use", out var su) && su is JsonValue v && v.TryGetValue<bool>(out var b) && b,
            ArgumentsHash = Str(body, "arguments_hash"),
        };
        try
        {
            await store.SaveAsync(grant, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await ProblemAsync(context, 503, "The elevation grant store cannot be reached; the grant was not recorded.").ConfigureAwait(false);
            return;
        }

        await WriteAuditAsync(AuditActions.ElevationGrant, AuditOutcomes.Success, caller, grant.Scope, grant.ApprovalReference, grant.UserId).ConfigureAwait(false);
        await JsonAsync(context, 201, GrantJson(grant)).ConfigureAwait(false);
    }

    private async Task RevokeAsync(HttpContext context)
    {
        var caller = identity.Resolve(context.User);
        if (!IsApprover(caller))
        {
            await ProblemAsync(context, 403, $"Only the approval system (role '{options.CurrentValue.ApproverRole}') may revoke grants.").ConfigureAwait(false);
            return;
        }

        var user = context.Request.RouteValues["user"]?.ToString() ?? string.Empty;
        var scope = context.Request.RouteValues["scope"]?.ToString() ?? string.Empty;
        var removed = await store.RevokeAsync(user, scope, context.RequestAborted).ConfigureAwait(false);
        await WriteAuditAsync(AuditActions.ElevationRevoke, removed ? AuditOutcomes.Success : "not_found", caller, scope, null, user).ConfigureAwait(false);
        context.Response.StatusCode = removed ? 204 : 404;
    }

    private Task ApprovalPageAsync(HttpContext context)
    {
        var user = WebUtility.HtmlEncode(context.Request.Query["user"].ToString());
        var scope = WebUtility.HtmlEncode(context.Request.Query["scope"].ToString());
        var reference = WebUtility.HtmlEncode(context.Request.Query["ref"].ToString());
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync($$"""
            <!doctype html><html><head><title>Development elevation approval</title></head>
            <body style="font-family:sans-serif;max-width:40em;margin:2em auto">
            <h1>Approve elevation (Development only)</h1>
            <p>User <b>{{user}}</b> asks to use privileged scope <b>{{scope}}</b> (reference {{reference}}).</p>
            <form method="post"><input type="hidden" name="user" value="{{user}}"><input type="hidden" name="scope" value="{{scope}}">
            <button type="submit">Approve for {{options.CurrentValue.DefaultGrantLifetime.TotalMinutes}} minutes</button></form>
            <p>In production this page is your PIM/PAM approval system, which records grants through POST /api/pim/grants.</p>
            </body></html>
            """, context.RequestAborted);
    }

    private async Task ApproveAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var user = form["user"].ToString();
        var scope = form["scope"].ToString();
        if (user.Length == 0 || scope.Length == 0)
        {
            await ProblemAsync(context, 400, "Fields 'user' and 'scope' are required.").ConfigureAwait(false);
            return;
        }

        var now = time.GetUtcNow();
        var grant = new ElevationGrant
        {
            UserId = user,
            Scope = scope,
            GrantedAt = now,
            ExpiresAt = now + options.CurrentValue.DefaultGrantLifetime,
            ApprovalReference = "DEV-" + now.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture),
        };
        await store.SaveAsync(grant, context.RequestAborted).ConfigureAwait(false);
        await WriteAuditAsync(AuditActions.ElevationGrant, AuditOutcomes.Success, new CallerIdentity { UserId = "dev-approval-page", Subject = "dev-approval-page" }, scope, grant.ApprovalReference, user).ConfigureAwait(false);
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync($"<!doctype html><p>Approved: {WebUtility.HtmlEncode(user)} may use {WebUtility.HtmlEncode(scope)} until {grant.ExpiresAt:O} ({grant.ApprovalReference}). Call the tool again.</p>", context.RequestAborted).ConfigureAwait(false);
    }

    private bool IsApprover(CallerIdentity caller) => caller.IsAuthenticated && caller.IsInRole(options.CurrentValue.ApproverRole);

    private async ValueTask WriteAuditAsync(string action, string outcome, CallerIdentity actor, string scope, string? reference, string? subjectUser = null)
    {
        var now = time.GetUtcNow();
        await audit.WriteAsync(new AuditRecord
        {
            Id = Guid.CreateVersion7(now).ToString("N"),
            Timestamp = now,
            Action = action,
            Outcome = outcome,
            UserId = subjectUser ?? actor.UserId,
            Actor = subjectUser is null ? null : actor.UserId,
            Subject = actor.Subject,
            ToolName = scope,
            RiskLevel = RiskLevel.Privileged,
            ElevationReference = reference,
        }, CancellationToken.None).ConfigureAwait(false);
    }

    private static JsonObject GrantJson(ElevationGrant grant) => new()
    {
        ["user_id"] = grant.UserId,
        ["scope"] = grant.Scope,
        ["granted_at"] = grant.GrantedAt.ToString("O"),
        ["expires_at"] = grant.ExpiresAt.ToString("O"),
        ["approval_reference"] = grant.ApprovalReference,
        ["single_use"] = grant.SingleUse,
    };

    private static async Task<JsonObject?> ReadJsonAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonObject body, string name)
        => body.TryGetPropertyValue(name, out var node) && node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static DateTimeOffset? Date(JsonObject? body, string name)
        => body is not null && Str(body, name) is { } s && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    private static Task ProblemAsync(HttpContext context, int status, string detail)
        => JsonAsync(context, status, new JsonObject { ["status"] = status, ["title"] = ReasonPhrases(status), ["detail"] = detail }, "application/problem+json");

    private static string ReasonPhrases(int status) => status switch
    {
        400 => "Bad Request",
        403 => "Forbidden",
        503 => "Service Unavailable",
        _ => "Error",
    };

    private static Task JsonAsync(HttpContext context, int status, JsonObject body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
