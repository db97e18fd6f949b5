using System.Text.Json;
using Msil.Mcp.Admin.Api;
using Msil.Mcp.WebUi;

namespace Msil.Mcp.Admin.Tests;

/// <summary>A scripted admin API: records what the pages ask and answers what the test set up.</summary>
internal sealed class FakeAdminApi : IAdminApi
{
    public List<string> Calls { get; } = [];

    public List<ToolQuery> ToolQueries { get; } = [];

    public List<AuditQuery> AuditQueries { get; } = [];

    public List<SimulateRequest> Simulations { get; } = [];

    public MsilProblem? Fail { get; set; }

    public AdminPage<ToolSummary> Tools { get; set; } = new([], 0, 1, 50);

    public AdminPage<ChangeSummary> Changes { get; set; } = new([], 0, 1, 50);

    public AdminPage<AuditItem> Audit { get; set; } = new([], 0, 1, 50);

    public SimulateResponse Simulation { get; set; } = new([]);

    public VerifyResult Verify { get; set; } = new("files", true, 0, null, null, 1);

    public AdminPage<GrantItem> Grants { get; set; } = new([], 0, 1, 50);

    public (ImportReport Report, int Status) Import { get; set; } = (new ImportReport(), 200);

    private T Answer<T>(string call, T value)
    {
        Calls.Add(call);
        if (Fail is { } problem)
        {
            throw new MsilApiException(problem);
        }

        return value;
    }

    public Task<AdminPage<ToolSummary>> GetToolsAsync(ToolQuery query, CancellationToken cancellationToken)
    {
        ToolQueries.Add(query);
        return Task.FromResult(Answer("tools", Tools));
    }

    public Task<ToolDetail> GetToolAsync(string name, CancellationToken cancellationToken)
        => Task.FromResult(Answer("tool", new ToolDetail(name, null, null, null, null, null, "1.0.0", null, null, null, null, null, null, [], null)));

    public Task<WriteResult> RollbackAsync(string name, int version, CancellationToken cancellationToken) => Task.FromResult(Answer("rollback", new WriteResult(202, "c-1", "staged")));

    public Task<WriteResult> PutOverrideAsync(string name, string overrideJson, CancellationToken cancellationToken) => Task.FromResult(Answer("override", new WriteResult(200, null, null)));

    public Task<WriteResult> DeleteOverrideAsync(string name, CancellationToken cancellationToken) => Task.FromResult(Answer("override.delete", new WriteResult(200, null, null)));

    public Task<(ImportReport Report, int Status)> ImportAsync(string source, string? document, Uri? url, bool dryRun, CancellationToken cancellationToken)
        => Task.FromResult(Answer("import", Import));

    public Task<AdminPage<ChangeSummary>> GetChangesAsync(string? state, int page, int pageSize, CancellationToken cancellationToken)
        => Task.FromResult(Answer($"changes?state={state}&page={page}&page_size={pageSize}", Changes));

    public Task<JsonElement> GetChangeAsync(string id, CancellationToken cancellationToken) => Task.FromResult(Answer("change", JsonDocument.Parse("{}").RootElement));

    public Task ApproveChangeAsync(string id, CancellationToken cancellationToken) => Task.FromResult(Answer("approve:" + id, 0));

    public Task RejectChangeAsync(string id, CancellationToken cancellationToken) => Task.FromResult(Answer("reject:" + id, 0));

    public Task<AdminPage<AuditItem>> GetAuditAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        AuditQueries.Add(query);
        return Task.FromResult(Answer("audit", Audit));
    }

    public Task<JsonElement> GetAuditRecordAsync(long sequence, string? store, CancellationToken cancellationToken) => Task.FromResult(Answer("audit.record", JsonDocument.Parse("{}").RootElement));

    public Task<VerifyResult> VerifyAuditAsync(string store, CancellationToken cancellationToken) => Task.FromResult(Answer("verify:" + store, Verify));

    public Task<SimulateResponse> SimulateAsync(SimulateRequest request, CancellationToken cancellationToken)
    {
        Simulations.Add(request);
        return Task.FromResult(Answer("simulate", Simulation));
    }

    public Task<AdminPage<GrantItem>> GetGrantsAsync(string? user, int page, int pageSize, CancellationToken cancellationToken) => Task.FromResult(Answer("grants", Grants));

    public Task<AdminPage<ElevationRequestItem>> GetElevationRequestsAsync(int page, int pageSize, CancellationToken cancellationToken)
        => Task.FromResult(Answer("requests", new AdminPage<ElevationRequestItem>([], 0, 1, 50)));

    public Task RevokeGrantAsync(string principalKey, string scope, CancellationToken cancellationToken) => Task.FromResult(Answer($"revoke:{principalKey}/{scope}", 0));

    public Task<AdminPage<UserItem>> GetUsersAsync(string? search, int page, int pageSize, CancellationToken cancellationToken)
        => Task.FromResult(Answer("users", new AdminPage<UserItem>([], 0, 1, 50)));

    public Task<HealthReport> GetHealthAsync(CancellationToken cancellationToken)
        => Task.FromResult(Answer("health", new HealthReport("Healthy", [], [], 0, new HealthRates(300, []))));
}
