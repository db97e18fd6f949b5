using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Msil.Mcp.WebUi;
using Msil.Mcp.WebUi.Auth;

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
        var services = context.RequestServices;
        string token;
        try
        {
            token = await services.GetRequiredService<WebUiTokenProvider>().GetAccessTokenAsync(context.User, context.RequestAborted).ConfigureAwait(false);
        }
        catch (MsilSignInRequiredException)
        {
            context.Response.Redirect(context.Request.PathBase + "/signin?returnUrl=%2Faudit");
            return;
        }

        var options = services.GetRequiredService<IOptionsMonitor<MsilWebUiOptions>>().Get(AdminConsole.Name);
        var server = options.ServerUrl ?? new Uri($"{context.Request.Scheme}://{context.Request.Host}/");
        var query = Api.AdminQueryString.Build("api/audit/export", Filters.Select(f => (f, (string?)context.Request.Query[f].ToString())).ToArray());
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(server.AbsoluteUri.TrimEnd('/') + "/"), query));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("MsilWebUi.Api");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
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
}
