using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Msil.Mcp.WebUi;

namespace Msil.Mcp.Admin.Api;

/// <summary>The admin REST APIs over <see cref="MsilApiClient"/> (the signed-in user's token, snake_case JSON, problem details).</summary>
internal sealed class AdminApi(MsilApiClient client) : IAdminApi
{
    public Task<AdminPage<ToolSummary>> GetToolsAsync(ToolQuery query, CancellationToken cancellationToken)
        => client.GetAsync<AdminPage<ToolSummary>>(AdminQueryString.Build("api/mcp/admin/tools",
            ("search", query.Search), ("domain", query.Domain), ("risk_level", query.RiskLevel), ("source", query.Source), ("state", query.State),
            ("page", Int(query.Page)), ("page_size", Int(query.PageSize))), cancellationToken);

    public Task<ToolDetail> GetToolAsync(string name, CancellationToken cancellationToken)
        => client.GetAsync<ToolDetail>("api/mcp/admin/tools/" + Uri.EscapeDataString(name), cancellationToken);

    public Task<WriteResult> RollbackAsync(string name, int version, CancellationToken cancellationToken)
        => WriteAsync(HttpMethod.Post, "api/mcp/tools/" + Uri.EscapeDataString(name) + "/rollback", new { version }, cancellationToken);

    public async Task<WriteResult> PutOverrideAsync(string name, string overrideJson, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/mcp/tools/" + Uri.EscapeDataString(name) + "/override")
        {
            Content = new StringContent(overrideJson, Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadWriteResultAsync(response, cancellationToken).ConfigureAwait(false);
    }

    public Task<WriteResult> DeleteOverrideAsync(string name, CancellationToken cancellationToken)
        => WriteAsync(HttpMethod.Delete, "api/mcp/tools/" + Uri.EscapeDataString(name) + "/override", null, cancellationToken);

    public async Task<(ImportReport Report, int Status)> ImportAsync(string source, string? document, Uri? url, bool dryRun, CancellationToken cancellationToken)
    {
        var path = AdminQueryString.Build("api/mcp/tools/import", ("source", source), ("dryRun", dryRun ? "true" : "false"));
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (url is not null)
        {
            request.Content = JsonContent.Create(new { url = url.AbsoluteUri }, options: MsilApiClient.JsonOptions);
        }
        else
        {
            var text = document ?? string.Empty;
            var json = text.TrimStart().StartsWith('{');
            request.Content = new StringContent(text, Encoding.UTF8, json ? "application/json" : "application/yaml");
        }

        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var report = await response.Content.ReadFromJsonAsync<ImportReport>(MsilApiClient.JsonOptions, cancellationToken).ConfigureAwait(false) ?? new ImportReport();
        return (report, (int)response.StatusCode);
    }

    public Task<AdminPage<ChangeSummary>> GetChangesAsync(string? state, int page, int pageSize, CancellationToken cancellationToken)
        => client.GetAsync<AdminPage<ChangeSummary>>(AdminQueryString.Build("api/mcp/changes", ("state", state), ("page", Int(page)), ("page_size", Int(pageSize))), cancellationToken);

    public Task<JsonElement> GetChangeAsync(string id, CancellationToken cancellationToken)
        => client.GetAsync<JsonElement>("api/mcp/changes/" + Uri.EscapeDataString(id), cancellationToken);

    public Task ApproveChangeAsync(string id, CancellationToken cancellationToken)
        => client.SendJsonAsync<JsonElement>(HttpMethod.Post, "api/mcp/changes/" + Uri.EscapeDataString(id) + "/approve", new { }, cancellationToken);

    public Task RejectChangeAsync(string id, CancellationToken cancellationToken)
        => client.SendJsonAsync<JsonElement>(HttpMethod.Post, "api/mcp/changes/" + Uri.EscapeDataString(id) + "/reject", new { }, cancellationToken);

    public Task<AdminPage<AuditItem>> GetAuditAsync(AuditQuery query, CancellationToken cancellationToken)
        => client.GetAsync<AdminPage<AuditItem>>(AdminQueryString.Audit("api/audit", query, paged: true), cancellationToken);

    public Task<JsonElement> GetAuditRecordAsync(long sequence, string? store, CancellationToken cancellationToken)
        => client.GetAsync<JsonElement>(AdminQueryString.Build("api/audit/" + sequence.ToString(CultureInfo.InvariantCulture), ("store", store)), cancellationToken);

    public async Task<VerifyResult> VerifyAuditAsync(string store, CancellationToken cancellationToken)
    {
        var (value, _) = await client.SendJsonAsync<VerifyResult>(HttpMethod.Post, "api/audit/verify", new { store }, cancellationToken).ConfigureAwait(false);
        return value ?? new VerifyResult(store, false, 0, null, "The server sent no result.", null);
    }

    public async Task<SimulateResponse> SimulateAsync(SimulateRequest request, CancellationToken cancellationToken)
    {
        var (value, _) = await client.SendJsonAsync<SimulateResponse>(HttpMethod.Post, "api/policy/simulate", request, cancellationToken).ConfigureAwait(false);
        return value ?? new SimulateResponse([]);
    }

    public Task<AdminPage<GrantItem>> GetGrantsAsync(string? user, int page, int pageSize, CancellationToken cancellationToken)
        => client.GetAsync<AdminPage<GrantItem>>(AdminQueryString.Build("api/pim/grants", ("user", user), ("page", Int(page)), ("page_size", Int(pageSize))), cancellationToken);

    public Task<AdminPage<ElevationRequestItem>> GetElevationRequestsAsync(int page, int pageSize, CancellationToken cancellationToken)
        => client.GetAsync<AdminPage<ElevationRequestItem>>(AdminQueryString.Build("api/pim/requests", ("page", Int(page)), ("page_size", Int(pageSize))), cancellationToken);

    public async Task RevokeGrantAsync(string principalKey, string scope, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "api/pim/grants/" + Uri.EscapeDataString(principalKey) + "/" + Uri.EscapeDataString(scope));
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public Task<AdminPage<UserItem>> GetUsersAsync(string? search, int page, int pageSize, CancellationToken cancellationToken)
        => client.GetAsync<AdminPage<UserItem>>(AdminQueryString.Build("api/users", ("search", search), ("page", Int(page)), ("page_size", Int(pageSize))), cancellationToken);

    public Task<HealthReport> GetHealthAsync(CancellationToken cancellationToken)
        => client.GetAsync<HealthReport>("api/mcp/admin/health", cancellationToken);

    private async Task<WriteResult> WriteAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: MsilApiClient.JsonOptions);
        }

        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadWriteResultAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<WriteResult> ReadWriteResultAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status != 202)
        {
            return new WriteResult(status, null, null);
        }

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        string? Read(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new WriteResult(status, Read("change_id"), Read("state") ?? "staged");
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Builds the query strings of the admin APIs (only the parameters that have a value).</summary>
internal static class AdminQueryString
{
    public static string Build(string path, params (string Name, string? Value)[] parameters)
    {
        var builder = new StringBuilder(path);
        var first = true;
        foreach (var (name, value) in parameters)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            builder.Append(first ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value.Trim()));
            first = false;
        }

        return builder.ToString();
    }

    /// <summary>The audit filters; the export takes the same ones without paging.</summary>
    public static string Audit(string path, AuditQuery q, bool paged)
        => Build(path,
            ("user", q.User), ("tool", q.Tool), ("outcome", q.Outcome), ("decision", q.Decision), ("decision_id", q.DecisionId),
            ("correlation_id", q.CorrelationId), ("action", q.Action),
            ("from", q.From?.UtcDateTime.ToString("o", CultureInfo.InvariantCulture)), ("to", q.To?.UtcDateTime.ToString("o", CultureInfo.InvariantCulture)),
            ("store", q.Store),
            ("page", paged ? q.Page.ToString(CultureInfo.InvariantCulture) : null), ("page_size", paged ? q.PageSize.ToString(CultureInfo.InvariantCulture) : null));

    /// <summary>Turns a data grid's window (start index, count) into the API's 1-based page for a fixed page size.</summary>
    public static int PageOf(int startIndex, int pageSize) => pageSize <= 0 ? 1 : (startIndex / pageSize) + 1;
}
