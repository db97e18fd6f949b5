using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Http;

namespace Msil.Mcp.Elevation;

/// <summary>
/// <c>POST /api/pim/check-elevation</c> (seed §4.2), <c>POST /api/pim/grants</c> and <c>DELETE /api/pim/grants/{principal}/{scope}</c>
/// for the approval system (revocation also for administrators), <c>GET /api/pim/grants</c> and <c>GET /api/pim/requests</c> for
/// administrators (the console), and in Development a one-click approval page under <c>/dev/pim</c>. Every check, grant,
/// revocation and refusal is audited and counted. Grants are for a principal (<c>principal_key</c>: issuer and subject,
/// <see cref="CallerIdentity.PrincipalKey"/>), never for a user name another issuer may share.
/// </summary>
internal sealed class ElevationEndpoints(
    IElevationGrantStore store,
    ElevationGate gate,
    ICallerIdentityResolver identity,
    ElevationTelemetry telemetry,
    IOptionsMonitor<ElevationOptions> options,
    IHostEnvironment environment,
    TimeProvider time,
    IElevationRequestStore requests) : IMsilMcpEndpointContributor
{
    /// <summary>The largest request body the endpoints read.</summary>
    internal const int MaxBodyBytes = 64 * 1024;

    private const string ApproverSet = "approver";
    private const string ApproverOrAdminSet = "approver+admin";
    private const string AdminSet = "admin";
    private const string HtmlContentType = "text/html; charset=utf-8";
    private const string CheckShape = "{\"user_id\": \"…\"?, \"principal_key\": \"…\"?, \"role\": \"…\"?, \"scope\": \"…\"}";
    private const string GrantShape = "{\"user_id\": \"…\", \"principal_key\": \"…\", \"scope\": \"…\", \"approval_reference\": \"…\", \"granted_at\"?: \"ISO 8601\", \"expires_at\"?: \"ISO 8601\", "
        + "\"single_use\"?: true | false, \"arguments_hash\"?: \"64 hex digits\" or \"arguments\"?: {the tool arguments}}";
    private const int MaxFieldLength = 256;

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        // Signed in for all (401 by the host); the role filter for the approval system's and the administrators' endpoints
        // (403, audited as elevation.refuse with the operation). Checking an elevation needs no role: anyone may check their own.
        var roles = new RoleEndpointFilter(new RoleRequirement("list grants", AdminSet), RuleOf, AuditRefusalAsync);
        var api = endpoints.MapGroup("/api/pim").RequireAuthorization();
        api.MapPost("/check-elevation", HttpHandler.Run(CheckAsync));
        api.MapPost("/grants", HttpHandler.Run(GrantAsync)).RequireRoleSet("grant", ApproverSet).AddEndpointFilter(roles);
        api.MapDelete("/grants/{principal}/{scope}", HttpHandler.Run(RevokeAsync)).RequireRoleSet("revoke", ApproverOrAdminSet).AddEndpointFilter(roles);
        api.MapGet("/grants", HttpHandler.Run(ListGrantsAsync)).RequireRoleSet("list grants", AdminSet).AddEndpointFilter(roles);
        api.MapGet("/requests", HttpHandler.Run(ListRequestsAsync)).RequireRoleSet("list requests", AdminSet).AddEndpointFilter(roles);
        if (options.CurrentValue.EnableDevelopmentApprovalPage && environment.IsDevelopment())
        {
            var dev = endpoints.MapGroup("/dev/pim").AllowAnonymous().ExcludeFromDescription();
            dev.MapGet("/approve", HttpHandler.Run(ApprovalPageAsync));
            dev.MapPost("/approve", HttpHandler.Run(ApproveAsync));
        }
    }

    private async Task<IResult> CheckAsync(HttpContext context)
    {
        var caller = identity.Resolve(context.User);
        var (body, bad) = await HttpJsonBody.ReadAsync(context, ElevationJsonContext.Default.CheckElevationRequest, CheckShape, MaxBodyBytes).ConfigureAwait(false);
        if (body is null)
        {
            return bad!;
        }

        var userId = body.UserId ?? caller.UserId;
        var principal = body.PrincipalKey;
        var requested = body.Scope;
        var role = body.Role;
        if (string.IsNullOrWhiteSpace(requested))
        {
            return Problem(400, "Field 'scope' is required: the privileged tool's name or scope group.");
        }

        var self = principal is null
            ? string.Equals(userId, caller.UserId, StringComparison.Ordinal)
            : string.Equals(principal, caller.PrincipalKey, StringComparison.Ordinal);
        if (!self && !IsApprover(caller))
        {
            return await RefusedAsync(context, "check", caller, userId, requested, "You may check only your own elevation ('user_id' and 'principal_key' must be your own).").ConfigureAwait(false);
        }

        if (!self && principal is null)
        {
            return Problem(400, "To check another user's elevation send 'principal_key' (issuer and subject, the elevation URL's {principal}): a user id alone may name users of several issuers.");
        }

        principal ??= caller.PrincipalKey;

        var scope = gate.ScopeOf(requested, options.CurrentValue);
        var correlationId = HttpRequestInfo.CorrelationId(context);
        ElevationGrant? grant;
        try
        {
            grant = await store.GetAsync(principal, scope, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            return await StoreFailedAsync(context, "check", ex, userId, scope, caller, correlationId, "The elevation grant store cannot be reached; privileged calls are refused until it is back.").ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        var active = grant is not null && grant.IsActive(scope, now) && grant.GrantedAt <= now + options.CurrentValue.MaxClockSkew;
        await telemetry.RecordAsync(new ElevationEvent(ElevationEvents.Check, AuditActions.ElevationCheck, active ? ElevationAuditOutcomes.Elevated : ElevationAuditOutcomes.RequiresElevation, userId, scope)
        {
            Caller = caller,
            Grant = active ? grant : null,
            CorrelationId = correlationId,
            Detail = role is null ? null : "role " + role,
        }).ConfigureAwait(false);

        if (active)
        {
            return TypedResults.Json(
                new ElevatedAnswer(GrantAnswer.From(grant!) with { UserId = userId, PrincipalKey = principal, Scope = scope }) { Role = role },
                ElevationJsonContext.Default.ElevatedAnswer);
        }

        return TypedResults.Json(
            new ElevationRequiredAnswer(userId, principal, scope, gate.BuildUrl(userId, principal, scope, correlationId, requested).ToString()) { Role = role },
            ElevationJsonContext.Default.ElevationRequiredAnswer);
    }

    private async Task<IResult> GrantAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);
        var o = options.CurrentValue;
        var (body, bad) = await HttpJsonBody.ReadAsync(context, ElevationJsonContext.Default.GrantRequest, GrantShape, MaxBodyBytes).ConfigureAwait(false);
        if (body is null)
        {
            return bad!;
        }

        var (grant, errors) = ParseGrant(body, o, time.GetUtcNow());
        if (grant is null)
        {
            return Problem(400, "Invalid grant: " + string.Join("; ", errors) + ".");
        }

        var correlationId = HttpRequestInfo.CorrelationId(context);
        try
        {
            await store.SaveAsync(grant, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            return await StoreFailedAsync(context, "grant", ex, grant.UserId, grant.Scope, caller, correlationId, "The elevation grant store cannot be reached; the grant was not recorded. Retry when it is back.").ConfigureAwait(false);
        }

        Log.GrantRecorded(telemetry.Logger, grant.ApprovalReference, grant.Scope, grant.ExpiresAt, grant.SingleUse);
        await ForgetRequestAsync(grant, context.RequestAborted).ConfigureAwait(false);
        await telemetry.RecordAsync(new ElevationEvent(ElevationEvents.Grant, AuditActions.ElevationGrant, AuditOutcomes.Success, grant.UserId, grant.Scope)
        {
            Caller = caller,
            Grant = grant,
            CorrelationId = correlationId,
            ArgumentsHash = grant.ArgumentsHash,
            Detail = $"until {GrantJson.FormatTime(grant.ExpiresAt)}" + (grant.SingleUse ? ", single use" : string.Empty),
        }).ConfigureAwait(false);
        context.Response.Headers.Location = $"/api/pim/grants/{Uri.EscapeDataString(grant.PrincipalKey)}/{Uri.EscapeDataString(grant.Scope)}";
        return TypedResults.Json(GrantAnswer.From(grant), ElevationJsonContext.Default.GrantAnswer, statusCode: StatusCodes.Status201Created);
    }

    private async Task<IResult> RevokeAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);
        // Routing decodes every escape of a path segment except %2F, which a principal key's issuer URL is full of.
        var user = (context.Request.RouteValues["principal"]?.ToString() ?? string.Empty).Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        var scope = context.Request.RouteValues["scope"]?.ToString() ?? string.Empty;
        var correlationId = HttpRequestInfo.CorrelationId(context);
        bool removed;
        try
        {
            removed = await store.RevokeAsync(user, scope, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            return await StoreFailedAsync(context, "revoke", ex, user, scope, caller, correlationId, "The elevation grant store cannot be reached; the grant was not revoked. Retry when it is back.").ConfigureAwait(false);
        }

        Log.GrantRevoked(telemetry.Logger, scope, removed);
        await telemetry.RecordAsync(new ElevationEvent(ElevationEvents.Revoke, AuditActions.ElevationRevoke, removed ? AuditOutcomes.Success : ElevationAuditOutcomes.NotFound, user, scope)
        {
            Caller = caller,
            CorrelationId = correlationId,
        }).ConfigureAwait(false);
        return removed ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private Task<IResult> ApprovalPageAsync(HttpContext context)
    {
        var user = WebUtility.HtmlEncode(context.Request.Query["user"].ToString());
        var principal = WebUtility.HtmlEncode(context.Request.Query["principal"].ToString());
        var scope = WebUtility.HtmlEncode(context.Request.Query["scope"].ToString());
        var reference = WebUtility.HtmlEncode(context.Request.Query["ref"].ToString());
        var args = context.Request.Query["args"].ToString();
        var minutes = options.CurrentValue.DefaultGrantLifetime.TotalMinutes.ToString(CultureInfo.InvariantCulture);
        var once = ElevationArguments.IsWellFormed(args)
            ? $"""<button type="submit" name="args" value="{WebUtility.HtmlEncode(args.ToLowerInvariant())}">Approve once, for these arguments only</button>"""
            : string.Empty;
        return Task.FromResult<IResult>(TypedResults.Content($$"""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Development elevation approval</title></head>
            <body style="font-family:sans-serif;max-width:40em;margin:2em auto">
            <h1>Approve elevation (Development only)</h1>
            <p>User <b>{{user}}</b> asks to use privileged scope <b>{{scope}}</b> (reference {{reference}}).</p>
            <form method="post"><input type="hidden" name="user" value="{{user}}"><input type="hidden" name="principal" value="{{principal}}"><input type="hidden" name="scope" value="{{scope}}">
            <button type="submit">Approve for {{minutes}} minutes</button> {{once}}</form>
            <p>In production this page is your PIM/PAM approval system, which records grants through POST /api/pim/grants.</p>
            </body></html>
            """, HtmlContentType));
    }

    private async Task<IResult> ApproveAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var user = form["user"].ToString();
        var principal = form["principal"].ToString();
        var scope = form["scope"].ToString();
        var args = form["args"].ToString();
        if (user.Length == 0 || principal.Length == 0 || scope.Length == 0 || (args.Length > 0 && !ElevationArguments.IsWellFormed(args)))
        {
            return Problem(400, "Fields 'user', 'principal' and 'scope' are required; 'args', when sent, is a 64-digit hex SHA-256.");
        }

        var now = time.GetUtcNow();
        var grant = new ElevationGrant
        {
            UserId = user,
            PrincipalKey = principal,
            Scope = scope,
            GrantedAt = now,
            ExpiresAt = now + options.CurrentValue.DefaultGrantLifetime,
            ApprovalReference = "DEV-" + now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture),
            SingleUse = args.Length > 0,
            ArgumentsHash = args.Length > 0 ? args.ToLowerInvariant() : null,
        };
        var approver = new CallerIdentity { UserId = "dev-approval-page", Subject = "dev-approval-page" };
        var correlationId = HttpRequestInfo.CorrelationId(context);
        try
        {
            await store.SaveAsync(grant, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            return await StoreFailedAsync(context, "grant", ex, user, scope, approver, correlationId, "The elevation grant store cannot be reached; nothing was approved.").ConfigureAwait(false);
        }

        await ForgetRequestAsync(grant, context.RequestAborted).ConfigureAwait(false);
        await telemetry.RecordAsync(new ElevationEvent(ElevationEvents.Grant, AuditActions.ElevationGrant, AuditOutcomes.Success, user, scope)
        {
            Caller = approver,
            Grant = grant,
            CorrelationId = correlationId,
            ArgumentsHash = grant.ArgumentsHash,
            Detail = "development approval page",
        }).ConfigureAwait(false);
        var what = grant.SingleUse ? "once, with the same arguments," : "until " + GrantJson.FormatTime(grant.ExpiresAt);
        return TypedResults.Content($"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Elevation approved</title></head><body><main><p>Approved: {WebUtility.HtmlEncode(user)} may use {WebUtility.HtmlEncode(scope)} {what} ({grant.ApprovalReference}). Call the tool again.</p></main></body></html>", HtmlContentType);
    }

    /// <summary>Checks a grant posted by the approval system.</summary>
    /// <returns>The grant, or <see langword="null"/> and every problem found.</returns>
    internal static (ElevationGrant? Grant, List<string> Errors) ParseGrant(GrantRequest body, ElevationOptions o, DateTimeOffset now)
    {
        var errors = new List<string>();
        var userId = Required(body.UserId, "user_id", errors);
        var principal = Required(body.PrincipalKey, "principal_key", errors);
        var scope = Required(body.Scope, "scope", errors);
        var reference = Required(body.ApprovalReference, "approval_reference", errors);
        var grantedAt = Time(body.GrantedAt, "granted_at", errors) ?? now;
        var expiresAt = Time(body.ExpiresAt, "expires_at", errors) ?? grantedAt + o.DefaultGrantLifetime;
        if (grantedAt > now + o.MaxClockSkew)
        {
            errors.Add($"'granted_at' is {grantedAt - now:c} ahead of this server's clock, more than Msil:Mcp:Elevation:MaxClockSkew ({o.MaxClockSkew:c}): check the approval system's clock");
        }

        if (expiresAt <= now)
        {
            errors.Add("'expires_at' must be in the future");
        }
        else if (expiresAt <= grantedAt)
        {
            errors.Add("'expires_at' must be after 'granted_at'");
        }

        if (expiresAt - now > o.MaxGrantLifetime)
        {
            errors.Add($"'expires_at' is further away than the maximum grant lifetime ({o.MaxGrantLifetime:c}, Msil:Mcp:Elevation:MaxGrantLifetime)");
        }

        var argumentsHash = body.ArgumentsHash;
        if (argumentsHash is not null)
        {
            if (ElevationArguments.IsWellFormed(argumentsHash))
            {
                argumentsHash = argumentsHash.ToLowerInvariant();
            }
            else
            {
                errors.Add("'arguments_hash' must be the 64-digit hex SHA-256 of the canonical arguments (see docs/elevation.md)");
            }
        }

        if (body.Arguments is { } arguments)
        {
            var computed = ElevationArguments.Hash(arguments);
            if (argumentsHash is not null && !string.Equals(argumentsHash, computed, StringComparison.Ordinal))
            {
                errors.Add($"'arguments_hash' does not match the hash of 'arguments' ({computed}); send one of them");
            }

            argumentsHash = computed;
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new ElevationGrant
        {
            UserId = userId!,
            PrincipalKey = principal!,
            Scope = scope!,
            GrantedAt = grantedAt,
            ExpiresAt = expiresAt,
            ApprovalReference = reference!,
            SingleUse = body.SingleUse ?? false,
            ArgumentsHash = argumentsHash,
        }, errors);
    }

    private async Task<IResult> StoreFailedAsync(HttpContext context, string operation, Exception ex, string userId, string scope, CallerIdentity caller, string correlationId, string message)
    {
        Log.StoreUnavailable(telemetry.Logger, operation, scope, ex.GetType().Name);
        await telemetry.RecordAsync(new ElevationEvent(ElevationEvents.Refused, ElevationAuditActions.Refuse, ElevationAuditOutcomes.StoreUnavailable, userId, scope)
        {
            Caller = caller,
            CorrelationId = correlationId,
            Detail = $"{operation}: {ElevationGate.StoreUnavailableReason} ({ex.GetType().Name})",
        }).ConfigureAwait(false);
        return Problem(503, message);
    }

    /// <summary>
    /// Audits the refused attempt (<c>elevation.refuse</c>, outcome <c>denied</c>) and answers 403: who tried which
    /// operation on whose elevation, with the caller-supplied user and scope bounded and cleaned (<see cref="CallerText"/>).
    /// </summary>
    private async Task<IResult> RefusedAsync(HttpContext context, string operation, CallerIdentity caller, string userId, string scope, string message)
    {
        await AuditRefusedAsync(context, operation, caller, userId, scope).ConfigureAwait(false);
        return Problem(403, message);
    }

    private ValueTask AuditRefusedAsync(HttpContext context, string operation, CallerIdentity caller, string? userId, string? scope)
        => telemetry.RecordAsync(new ElevationEvent(ElevationEvents.Refused, ElevationAuditActions.Refuse, AuditOutcomes.Denied, CallerText.Bound(userId), CallerText.Bound(scope))
        {
            Caller = caller,
            CorrelationId = HttpRequestInfo.CorrelationId(context),
            Detail = operation + ": the caller is not the approval system and not the user",
        });

    private bool IsApprover(CallerIdentity caller) => caller.IsAuthenticated && caller.IsInRole(options.CurrentValue.ApproverRole);

    /// <summary>The roles of a role set of <see cref="RoleEndpointFilter"/>, from the current options.</summary>
    private RoleRule RuleOf(HttpContext context, string roleSet)
    {
        var o = options.CurrentValue;
        return roleSet switch
        {
            ApproverSet => new([o.ApproverRole], "Msil:Mcp:Elevation:ApproverRole"),
            ApproverOrAdminSet => new([o.ApproverRole, o.AdminRole], "Msil:Mcp:Elevation:ApproverRole or Msil:Mcp:Elevation:AdminRole"),
            _ => new([o.AdminRole], "Msil:Mcp:Elevation:AdminRole"),
        };
    }

    /// <summary>Audits a call the role filter refused, like every other refusal of this API (<see cref="AuditRefusedAsync"/>).</summary>
    private ValueTask AuditRefusalAsync(HttpContext context, RoleRefusal refusal)
        => AuditRefusedAsync(context, refusal.Action, refusal.Caller, refusal.Caller.UserId, context.Request.RouteValues["scope"]?.ToString());

    /// <summary><c>GET /api/pim/grants?user=&amp;page=&amp;page_size=</c> (admin role): the active grants, soonest to expire last.</summary>
    private async Task<IResult> ListGrantsAsync(HttpContext context)
    {
        var user = context.Request.Query["user"].ToString();
        if (!HttpRequestInfo.TryReadPaging(context.Request, out var page, out var size, out var error) || user.Length > MaxFieldLength)
        {
            return Problem(400, error ?? $"Query parameter 'user' must be at most {MaxFieldLength} characters.");
        }

        if (store is not IElevationGrantListing listing)
        {
            return Problem(501, $"The grant store {store.GetType().Name} cannot list its grants: implement IElevationGrantListing on it (Msil.Mcp.Elevation), or use Msil:Mcp:Elevation:Store Memory or Redis.");
        }

        IReadOnlyList<ElevationGrant> grants;
        try
        {
            grants = await listing.ListActiveAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            Log.GrantListFailed(telemetry.Logger, ex.GetType().Name);
            return Problem(503, "The elevation grant store cannot be reached; try again when it is back.");
        }

        var matching = grants
            .Where(g => user.Length == 0 || string.Equals(g.UserId, user, StringComparison.OrdinalIgnoreCase) || string.Equals(g.PrincipalKey, user, StringComparison.Ordinal))
            .OrderByDescending(g => g.GrantedAt).ThenBy(g => g.PrincipalKey, StringComparer.Ordinal).ThenBy(g => g.Scope, StringComparer.Ordinal)
            .ToList();
        var items = matching.Skip((page - 1) * size).Take(size)
            .Select(g => new GrantListItem(g.PrincipalKey, g.UserId, g.Scope, ToolOf(g.Scope), GrantJson.FormatTime(g.GrantedAt), GrantJson.FormatTime(g.ExpiresAt), g.ApprovalReference, g.SingleUse))
            .ToList();
        return TypedResults.Json(new ElevationPage<GrantListItem>(items, matching.Count, page, size), ElevationJsonContext.Default.ElevationPageGrantListItem);
    }

    /// <summary><c>GET /api/pim/requests?page=&amp;page_size=</c> (admin role): the pending elevation requests, newest first.</summary>
    private async Task<IResult> ListRequestsAsync(HttpContext context)
    {
        if (!HttpRequestInfo.TryReadPaging(context.Request, out var page, out var size, out var error))
        {
            return Problem(400, error!);
        }

        IReadOnlyList<ElevationRequest> pending;
        try
        {
            pending = await requests.ListAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            Log.RequestStoreUnavailable(telemetry.Logger, "*", ex.GetType().Name);
            return Problem(503, "The pending elevation request store cannot be reached; try again when it is back.");
        }

        var items = pending.Skip((page - 1) * size).Take(size)
            .Select(r => new RequestListItem(r.Id, r.PrincipalKey, r.UserId, r.Tool, r.Scope, GrantJson.FormatTime(r.RequestedAt), GrantJson.FormatTime(r.ExpiresAt), r.ApprovalUrl))
            .ToList();
        return TypedResults.Json(new ElevationPage<RequestListItem>(items, pending.Count, page, size), ElevationJsonContext.Default.ElevationPageRequestListItem);
    }

    /// <summary>The tool of a scope: the scope itself unless it is a scope group (then <see langword="null"/>).</summary>
    private string? ToolOf(string scope) => options.CurrentValue.ScopeGroups.ContainsKey(scope) ? null : scope;

    private async Task ForgetRequestAsync(ElevationGrant grant, CancellationToken cancellationToken)
    {
        try
        {
            await requests.RemoveAsync(grant.PrincipalKey, grant.Scope, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RequestStoreUnavailable(telemetry.Logger, grant.Scope, ex.GetType().Name);
        }
    }

    private static string? Required(string? value, string name, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"'{name}' is required");
            return null;
        }

        if (value.Length > MaxFieldLength)
        {
            errors.Add($"'{name}' is longer than {MaxFieldLength} characters");
            return null;
        }

        return value;
    }

    private static DateTimeOffset? Time(string? value, string name, List<string> errors)
    {
        if (value is null)
        {
            return null;
        }

        var parsed = GrantJson.ParseTime(value);
        if (parsed is null)
        {
            errors.Add($"'{name}' must be an ISO 8601 time, for example 2026-01-31T11:00:00Z");
        }

        return parsed;
    }

    private static ProblemHttpResult Problem(int status, string detail) => HttpProblem.Result(status, detail);
}
