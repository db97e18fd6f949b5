using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FluentUI.AspNetCore.Components;
using Msil.Mcp.Admin.Api;
using Msil.Mcp.WebUi;

namespace Msil.Mcp.Admin.Tests;

/// <summary>A bUnit context with Fluent UI, loose JS interop and the fake admin API.</summary>
internal static class AdminTestContext
{
    public static readonly string[] AdminPermissions =
        ["tools.read", "tools.write", "changes.approve", "audit.read", "audit.verify", "policy.simulate", "elevation.read", "elevation.revoke", "users.read", "health.read"];

    public static MsilMe Carol { get; } = new() { Subject = "user-carol", Name = "carol", Roles = ["admin"], Permissions = AdminPermissions };

    public static MsilMe Bob { get; } = new() { Subject = "user-bob", Name = "bob", Roles = ["operator"], Permissions = ["tools.read", "audit.read", "health.read"] };

    public static MsilMe Alice { get; } = new() { Subject = "user-alice", Name = "alice", Roles = ["viewer"], Permissions = [] };

    public static BunitContext Create(FakeAdminApi api)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddFluentUIComponents();
        context.Services.AddSingleton<IAdminApi>(api);
        return context;
    }
}
