using Bunit;
using Msil.Mcp.Admin.Components.Pages;
using Msil.Mcp.WebUi;
using Msil.Mcp.WebUi.Components;

namespace Msil.Mcp.Admin.Tests.Components;

/// <summary>The console's menu and pages follow the caller's permissions from /api/mcp/me.</summary>
public sealed class MenuTests
{
    [Fact]
    public void Visible_Admin_EveryEntry()
    {
        var titles = MsilShell.Visible(AdminConsole.Menu, AdminTestContext.Carol).Select(i => i.Title);

        Assert.Equal(["Overview", "Tools", "Imports", "Approvals", "Audit", "Policy simulator", "Elevation", "Users", "Health"], titles);
    }

    [Fact]
    public void Visible_Operator_ToolsAuditHealthOnly()
    {
        var titles = MsilShell.Visible(AdminConsole.Menu, AdminTestContext.Bob).Select(i => i.Title);

        Assert.Equal(["Overview", "Tools", "Audit", "Health"], titles);
    }

    [Fact]
    public void Visible_Viewer_NoAdminMenu()
    {
        var titles = MsilShell.Visible(AdminConsole.Menu, AdminTestContext.Alice).Select(i => i.Title);

        Assert.Equal(["Overview"], titles);
    }

    [Fact]
    public void Visible_CallerNotKnownYet_Nothing()
        => Assert.Empty(MsilShell.Visible(AdminConsole.Menu, null));

    [Fact]
    public void AuditPage_ViewerWithoutPermission_NotPermittedAndNoCall()
    {
        var api = new FakeAdminApi();
        using var context = AdminTestContext.Create(api);

        var page = context.Render<Audit>(p => p.AddCascadingValue(AdminTestContext.Alice));

        Assert.Contains("Not permitted", page.Markup, StringComparison.Ordinal);
        Assert.Contains("audit.read", page.Markup, StringComparison.Ordinal);
        Assert.Empty(api.Calls);
    }

    [Fact]
    public void ApprovalsPage_Operator_NotPermitted()
    {
        var api = new FakeAdminApi();
        using var context = AdminTestContext.Create(api);

        var page = context.Render<Approvals>(p => p.AddCascadingValue(AdminTestContext.Bob));

        Assert.Contains("Not permitted", page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("Approve", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Home_Operator_LinksOnlyToPermittedPages()
    {
        using var context = AdminTestContext.Create(new FakeAdminApi());

        var page = context.Render<Home>(p => p.AddCascadingValue(AdminTestContext.Bob));

        var links = page.FindAll("ul.msil-overview a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal(["tools", "audit", "health"], links);
    }

    [Fact]
    public void Has_NoPermissionNeeded_True()
        => Assert.True(new MsilMe().Has(null));
}
