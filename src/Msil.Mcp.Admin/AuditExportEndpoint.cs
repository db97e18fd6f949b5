using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Msil.Mcp.WebUi;

namespace Msil.Mcp.Admin;

/// <summary>
/// <c>GET {console}/export/audit?…</c>: streams the server's <c>GET /api/audit/export</c> (JSON lines) to the browser as a
/// download, called with the session's token on the server side (the browser never holds the token).
/// </summary>
internal static class AuditExportEndpoint
{
    private static readonly string[] Filters = ["user", "tool", "outcome", "decision", "decision_id", "correlation_id", "action", "from", "to", "store"];

    public static void Map(IEndpointRouteBuilder endpoints)
        => endpoints.MapGet("/export/audit", (RequestDelegate)ExportAsync);

    private static async Task ExportAsync(HttpContext context)
    {
        var query = Api.AdminQueryString.Build("api/audit/export", Filters.Select(f => (f, (string?)context.Request.Query[f].ToString())).ToArray());
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(query, UriKind.Relative));
        using var response = await SendAsync(context, request).ConfigureAwait(false);
        if (response is null)
        {
            context.Response.Redirect(context.Request.PathBase + "/signin?returnUrl=%2Faudit");
            return;
        }

        if (!response.IsSuccessStatusCode)
        {
            var problem = await MsilApiClient.ReadProblemAsync(response, context.RequestAborted).ConfigureAwait(false);
            await Results.Problem(statusCode: problem.Status, title: problem.Title, detail: problem.Detail ?? "The audit export failed.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/x-ndjson";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"audit-export.ndjson\"";
        foreach (var header in new[] { "X-Audit-Total", "X-Audit-Truncated" })
        {
            if (response.Headers.TryGetValues(header, out var values))
            {
                context.Response.Headers[header] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The export's answer, or <see langword="null"/> when the session must sign in again.</summary>
    private static async Task<HttpResponseMessage?> SendAsync(HttpContext context, HttpRequestMessage request)
    {
        try
        {
            return await context.RequestServices.GetRequiredService<MsilEndpointApiClient>()
                .SendAsync(context, AdminConsole.Name, request, context.RequestAborted).ConfigureAwait(false);
        }
        catch (MsilSignInRequiredException)
        {
            return null;
        }
    }
}
