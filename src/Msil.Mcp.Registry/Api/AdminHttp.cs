using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Registry.Catalog;

namespace Msil.Mcp.Registry.Api;

/// <summary>What the registry's admin endpoints share: the role check that audits refusals, problem details and paging.</summary>
internal static class AdminHttp
{
    /// <summary>
    /// Returns the caller when signed in and in one of <paramref name="roles"/>; otherwise audits the refusal and answers
    /// 401 (through the host's challenge) or 403 naming the role and its configuration key.
    /// </summary>
    public static async Task<CallerIdentity?> RequireAsync(HttpContext context, ICallerIdentityResolver identity, ToolRegistry registry, string action, string? tool, string[] roles, string roleKeys)
    {
        var caller = identity.Resolve(context.User);
        if (caller.IsAuthenticated && roles.Any(caller.IsInRole))
        {
            return caller;
        }

        var what = $"{context.Request.Method} {CallerText.Bound(context.Request.Path.Value ?? string.Empty, 200)}";
        var bounded = tool is null ? null : CallerText.Bound(tool, 128);
        if (!caller.IsAuthenticated)
        {
            await registry.AuditRefusedAsync(action, AuditOutcomes.Denied, caller, bounded, "refused (401, not signed in): " + what, CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
            await ChallengeAsync(context).ConfigureAwait(false);
            return null;
        }

        var names = string.Join("' or '", roles);
        await registry.AuditRefusedAsync(action, AuditOutcomes.Denied, caller, bounded, $"refused (403, not in role '{names}'): {what}", CorrelationId(context), context.RequestAborted).ConfigureAwait(false);
        await ProblemAsync(context, 403, $"Only the '{names}' role ({roleKeys}) may do this.").ConfigureAwait(false);
        return null;
    }

    public static async Task ChallengeAsync(HttpContext context)
    {
        var schemes = context.RequestServices.GetService<IAuthenticationSchemeProvider>();
        if (schemes is not null && await schemes.GetDefaultChallengeSchemeAsync().ConfigureAwait(false) is not null)
        {
            await context.ChallengeAsync().ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
    }

    public static string CorrelationId(HttpContext context)
    {
        var id = context.Response.Headers["X-Correlation-ID"].ToString();
        return id.Length > 0 ? id : context.TraceIdentifier;
    }

    /// <summary>Reads <c>page</c> and <c>page_size</c> (defaults 1 and 50, at most 500); answers 400 naming the field when invalid.</summary>
    public static async Task<(int Page, int PageSize)?> PagingAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (!TryInt(query["page"], 1, 1, 1_000_000, out var page))
        {
            await ProblemAsync(context, 400, "Query parameter 'page' must be a whole number from 1 (the first page) up; leave it out for page 1.").ConfigureAwait(false);
            return null;
        }

        if (!TryInt(query["page_size"], 50, 1, 500, out var size))
        {
            await ProblemAsync(context, 400, "Query parameter 'page_size' must be a whole number from 1 to 500; leave it out for 50.").ConfigureAwait(false);
            return null;
        }

        return (page, size);
    }

    public static bool TryInt(string? text, int fallback, int min, int max, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    public static string Time(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static JsonObject Problem(int status, string detail) => new()
    {
        ["type"] = "about:blank",
        ["title"] = status switch { 400 => "Bad Request", 403 => "Forbidden", 404 => "Not Found", 409 => "Conflict", 503 => "Service Unavailable", _ => "Error" },
        ["status"] = status,
        ["detail"] = detail,
    };

    public static Task ProblemAsync(HttpContext context, int status, string detail) => WriteAsync(context, status, Problem(status, detail));

    public static Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = status >= 400 ? "application/problem+json" : "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
