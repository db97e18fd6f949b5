using Msil.Mcp.WebUi;

namespace Msil.Mcp.Admin;

/// <summary>The admin console's name, configuration section and menu.</summary>
internal static class AdminConsole
{
    /// <summary>The console's name (its schemes are <c>MsilWebUi.admin.Cookie</c> and <c>MsilWebUi.admin.Oidc</c>).</summary>
    public const string Name = "admin";

    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Admin";

    /// <summary>The menu; each entry needs the permission the server grants in <c>GET /api/mcp/me</c>.</summary>
    public static readonly IReadOnlyList<MsilNavItem> Menu =
    [
        new("Overview", string.Empty, null),
        new("Tools", "tools", AdminPermissions.ToolsRead),
        new("Imports", "imports", AdminPermissions.ToolsWrite),
        new("Approvals", "approvals", AdminPermissions.ChangesApprove),
        new("Audit", "audit", AdminPermissions.AuditRead),
        new("Policy simulator", "policy", AdminPermissions.PolicySimulate),
        new("Elevation", "elevation", AdminPermissions.ElevationRead),
        new("Users", "users", AdminPermissions.UsersRead),
        new("Health", "health", AdminPermissions.HealthRead),
    ];
}

/// <summary>The console permissions of the admin REST contract.</summary>
internal static class AdminPermissions
{
    public const string ToolsRead = "tools.read";
    public const string ToolsWrite = "tools.write";
    public const string ChangesApprove = "changes.approve";
    public const string AuditRead = "audit.read";
    public const string AuditVerify = "audit.verify";
    public const string PolicySimulate = "policy.simulate";
    public const string ElevationRead = "elevation.read";
    public const string ElevationRevoke = "elevation.revoke";
    public const string UsersRead = "users.read";
    public const string HealthRead = "health.read";
}
