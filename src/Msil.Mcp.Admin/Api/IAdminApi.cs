using System.Text.Json;

namespace Msil.Mcp.Admin.Api;

/// <summary>The server's admin REST APIs the console uses (and nothing else); a fake stands in for it in component tests.</summary>
internal interface IAdminApi
{
    Task<AdminPage<ToolSummary>> GetToolsAsync(ToolQuery query, CancellationToken cancellationToken);

    Task<ToolDetail> GetToolAsync(string name, CancellationToken cancellationToken);

    Task<WriteResult> RollbackAsync(string name, int version, CancellationToken cancellationToken);

    Task<WriteResult> PutOverrideAsync(string name, string overrideJson, CancellationToken cancellationToken);

    Task<WriteResult> DeleteOverrideAsync(string name, CancellationToken cancellationToken);

    Task<(ImportReport Report, int Status)> ImportAsync(string source, string? document, Uri? url, bool dryRun, CancellationToken cancellationToken);

    Task<AdminPage<ChangeSummary>> GetChangesAsync(string? state, int page, int pageSize, CancellationToken cancellationToken);

    Task<JsonElement> GetChangeAsync(string id, CancellationToken cancellationToken);

    Task ApproveChangeAsync(string id, CancellationToken cancellationToken);

    Task RejectChangeAsync(string id, CancellationToken cancellationToken);

    Task<AdminPage<AuditItem>> GetAuditAsync(AuditQuery query, CancellationToken cancellationToken);

    Task<JsonElement> GetAuditRecordAsync(long sequence, string? store, CancellationToken cancellationToken);

    Task<VerifyResult> VerifyAuditAsync(string store, CancellationToken cancellationToken);

    Task<SimulateResponse> SimulateAsync(SimulateRequest request, CancellationToken cancellationToken);

    Task<AdminPage<GrantItem>> GetGrantsAsync(string? user, int page, int pageSize, CancellationToken cancellationToken);

    Task<AdminPage<ElevationRequestItem>> GetElevationRequestsAsync(int page, int pageSize, CancellationToken cancellationToken);

    Task RevokeGrantAsync(string principalKey, string scope, CancellationToken cancellationToken);

    Task<AdminPage<UserItem>> GetUsersAsync(string? search, int page, int pageSize, CancellationToken cancellationToken);

    Task<HealthReport> GetHealthAsync(CancellationToken cancellationToken);
}
