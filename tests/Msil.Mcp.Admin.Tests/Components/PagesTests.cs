using Bunit;
using Msil.Mcp.Admin.Api;
using Msil.Mcp.Admin.Components.Pages;
using Msil.Mcp.Admin.Components.Shared;
using Msil.Mcp.WebUi;
using Msil.Mcp.WebUi.Components;

namespace Msil.Mcp.Admin.Tests.Components;

/// <summary>The pages' logic against a fake API: paging, diffs, approvals, simulator, verify, problem details.</summary>
public sealed class PagesTests
{
    [Fact]
    public void Tools_FirstPage_AsksServerForOnePageOfFifty()
    {
        var api = new FakeAdminApi { Tools = new([new ToolSummary("create_booking", "Create booking", "booking", "write", "openapi:sample", "active", "1.0.0", "abc", "POST", "/bookings", null)], 2000, 1, 50) };
        using var context = AdminTestContext.Create(api);

        var page = context.Render<Tools>(p => p.AddCascadingValue(AdminTestContext.Carol));

        page.WaitForAssertion(() => Assert.NotEmpty(api.ToolQueries));
        var query = api.ToolQueries[0];
        Assert.Equal(1, query.Page);
        Assert.Equal(50, query.PageSize);
        page.WaitForAssertion(() => Assert.Contains("2000 tool(s)", page.Markup, StringComparison.Ordinal));
        Assert.Contains("create_booking", page.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 50, 1)]
    [InlineData(50, 50, 2)]
    [InlineData(100, 50, 3)]
    [InlineData(1999, 500, 4)]
    public void PageOf_GridWindow_OneBasedPage(int start, int size, int expected)
        => Assert.Equal(expected, AdminQueryString.PageOf(start, size));

    [Fact]
    public void Build_Filters_OnlyThoseWithValuesEscaped()
    {
        var path = AdminQueryString.Build("api/mcp/admin/tools", ("search", "book ing"), ("domain", null), ("risk_level", "privileged"), ("page", "3"), ("page_size", "50"));

        Assert.Equal("api/mcp/admin/tools?search=book%20ing&risk_level=privileged&page=3&page_size=50", path);
    }

    [Fact]
    public void Audit_ExportQuery_SameFiltersWithoutPaging()
    {
        var query = new AuditQuery("alice", "create_booking", "denied", null, null, null, null, new DateTimeOffset(2026, 12, 7, 13, 0, 0, TimeSpan.Zero), null, "files", 4, 50);

        Assert.Equal("export/audit?user=alice&tool=create_booking&outcome=denied&from=2026-12-07T13%3A00%3A00.0000000Z&store=files", AdminQueryString.Audit("export/audit", query, paged: false));
        Assert.EndsWith("&page=4&page_size=50", AdminQueryString.Audit("api/audit", query, paged: true), StringComparison.Ordinal);
    }

    [Fact]
    public void Audit_FirstRender_SearchesNewestPageOne()
    {
        var api = new FakeAdminApi();
        using var context = AdminTestContext.Create(api);

        context.Render<Audit>(p => p.AddCascadingValue(AdminTestContext.Carol));

        Assert.NotEmpty(api.AuditQueries);
        Assert.Equal(1, api.AuditQueries[0].Page);
        Assert.Equal(50, api.AuditQueries[0].PageSize);
    }

    [Fact]
    public void Audit_OpenedFromAChatLink_SearchesThatCorrelationId()
    {
        var api = new FakeAdminApi();
        using var context = AdminTestContext.Create(api);
        context.Services.GetService<Microsoft.AspNetCore.Components.NavigationManager>()!.NavigateTo("audit?correlation_id=corr-42&decision_id=dec-7");

        context.Render<Audit>(p => p.AddCascadingValue(AdminTestContext.Carol));

        Assert.Equal("corr-42", api.AuditQueries[0].CorrelationId);
        Assert.Equal("dec-7", api.AuditQueries[0].DecisionId);
    }

    [Fact]
    public void ImportDiff_ChangedTool_ListsChangedFields()
    {
        using var context = AdminTestContext.Create(new FakeAdminApi());
        var report = new ImportReport
        {
            Source = "openapi:booking",
            DryRun = true,
            Added = [new ImportChange("cancel_booking", "new operation", null, 1, 1, null)],
            Changed = [new ImportChange("create_booking", "schema changed", 1, 2, 2, ["description", "input_schema", "risk_level"])],
            Removed = [],
            Unchanged = 4,
        };

        var diff = context.Render<ImportDiff>(p => p.Add(d => d.Value, report).Add(d => d.Status, 200));

        Assert.Contains("Dry run: nothing stored", diff.Markup, StringComparison.Ordinal);
        Assert.Contains("cancel_booking", diff.Markup, StringComparison.Ordinal);
        var fields = diff.FindAll("td.msil-fields fluent-badge").Select(b => b.TextContent.Trim()).ToList();
        Assert.Equal(["description", "input_schema", "risk_level"], fields);
        Assert.Contains("1 → 2", diff.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void ImportDiff_Accepted202_ShownAsStaged()
    {
        using var context = AdminTestContext.Create(new FakeAdminApi());

        var diff = context.Render<ImportDiff>(p => p.Add(d => d.Value, new ImportReport { ChangeId = "chg-7", State = "staged" }).Add(d => d.Status, 202));

        Assert.Contains("Staged for approval", diff.Markup, StringComparison.Ordinal);
        Assert.Contains("chg-7", diff.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("Applied", diff.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Approvals_OwnChange_ApproveDisabled_OtherEnabled()
    {
        var api = new FakeAdminApi
        {
            Changes = new(
            [
                new ChangeSummary("c-own", "override", "create_booking", null, "risk write → read", "carol@example.test", null, "pending", null, null),
                new ChangeSummary("c-other", "import", null, "booking", "1 privileged tool changed", "dave@example.test", null, "pending", null, null),
            ], 2, 1, 50),
        };
        using var context = AdminTestContext.Create(api);

        var page = context.Render<Approvals>(p => p.AddCascadingValue(AdminTestContext.Carol));

        var own = page.Find("fluent-button[aria-label='Approve change c-own']");
        var other = page.Find("fluent-button[aria-label='Approve change c-other']");
        Assert.True(own.HasAttribute("disabled"));
        Assert.False(other.HasAttribute("disabled"));
        Assert.Contains("Your own change", page.Markup, StringComparison.Ordinal);
        Assert.Contains("changes?state=pending&page=1&page_size=50", api.Calls);
    }

    [Fact]
    public void Approvals_Approve_CallsServerAndReloads()
    {
        var api = new FakeAdminApi
        {
            Changes = new([new ChangeSummary("c-9", "import", null, "booking", "s", "dave@example.test", null, "pending", null, null)], 1, 1, 50),
        };
        using var context = AdminTestContext.Create(api);
        var page = context.Render<Approvals>(p => p.AddCascadingValue(AdminTestContext.Carol));

        page.FindComponents<Microsoft.FluentUI.AspNetCore.Components.FluentButton>()
            .Single(b => b.Instance.AdditionalAttributes?["aria-label"]?.ToString() == "Approve change c-9")
            .Find("fluent-button").Click();

        Assert.Contains("approve:c-9", api.Calls);
        Assert.Contains("Change c-9 approved", page.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("carol@example.test", true)]
    [InlineData("user-carol", true)]
    [InlineData("CAROL", true)]
    [InlineData("caroline@example.test", false)]
    [InlineData(null, false)]
    public void IsOwn_RequestedBy_MatchesCaller(string? requestedBy, bool expected)
        => Assert.Equal(expected, Approvals.IsOwn(new ChangeSummary("c", null, null, null, null, requestedBy, null, "pending", null, null), AdminTestContext.Carol));

    [Fact]
    public void Policy_Simulate_ShowsListAndExecuteWithReasonAndDecisionId()
    {
        var api = new FakeAdminApi
        {
            Simulation = new([new SimulateResult("create_booking", "write",
                new SimulatedDecision(true, "role viewer may list booking tools", "d-list-1"),
                new SimulatedDecision(false, "role viewer may not execute write tools", "d-exec-1"))]),
        };
        using var context = AdminTestContext.Create(api);
        var page = context.Render<Policy>(p => p.AddCascadingValue(AdminTestContext.Carol));

        var fields = page.FindAll("fluent-text-field");
        fields[0].Change("alice");
        page.FindAll("fluent-text-field")[3].Change("create_booking");
        page.Find("form").Submit();

        var request = Assert.Single(api.Simulations);
        Assert.Equal("alice", request.User);
        Assert.Equal("create_booking", request.Tool);
        Assert.Null(request.Domain);
        var cells = page.FindAll("table[aria-label='Simulation results'] tbody td").Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal(["create_booking", "write", "Allow", "role viewer may list booking tools", "d-list-1", "Deny", "role viewer may not execute write tools", "d-exec-1"], cells);
    }

    [Theory]
    [InlineData(null, null, null, "tool", "create_booking", "User or roles")]
    [InlineData("alice", null, null, "tool", " ", "Tool:")]
    [InlineData(null, "admin", null, "domain", "", "Domain:")]
    public void Build_MissingInput_NamesTheField(string? user, string? roles, string? groups, string target, string name, string expected)
    {
        var (request, error) = Policy.Build(user, roles, groups, target, name);

        Assert.Null(request);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UserWithoutRoles_LeavesTheUsersOwnRolesAndGroups()
    {
        var (request, _) = Policy.Build("alice", " ", null, "tool", "create_booking");

        Assert.NotNull(request);
        Assert.Equal("alice", request.User);
        Assert.Null(request.Roles);
        Assert.Null(request.Groups);
    }

    [Fact]
    public void Build_RolesAndDomain_RequestForDomain()
    {
        var (request, _) = Policy.Build(null, "operator, admin", "platform", "domain", "booking");

        Assert.NotNull(request);
        Assert.Equal(["operator", "admin"], request.Roles);
        Assert.Equal(["platform"], request.Groups);
        Assert.Equal("booking", request.Domain);
        Assert.Null(request.Tool);
    }

    [Fact]
    public void VerifyResult_Broken_ShowsFirstBrokenSequenceAndReason()
    {
        using var context = AdminTestContext.Create(new FakeAdminApi());

        var view = context.Render<VerifyResultView>(p => p.Add(v => v.Value, new VerifyResult("postgres", false, 1200, 842, "hash does not match the record", 35)));

        Assert.Contains("Chain broken", view.Markup, StringComparison.Ordinal);
        Assert.Contains("842", view.Find("strong:last-of-type").TextContent, StringComparison.Ordinal);
        Assert.Contains("hash does not match the record", view.Markup, StringComparison.Ordinal);
        Assert.Contains("postgres", view.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyResult_Intact_ShowsRecordsChecked()
    {
        using var context = AdminTestContext.Create(new FakeAdminApi());

        var view = context.Render<VerifyResultView>(p => p.Add(v => v.Value, new VerifyResult("files", true, 57, null, null, 3)));

        Assert.Contains("Chain intact", view.Markup, StringComparison.Ordinal);
        Assert.Contains("57 record(s)", view.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Audit_Verify_RunsForChosenStoreAndRendersResult()
    {
        var api = new FakeAdminApi { Verify = new VerifyResult("files", false, 10, 7, "previous_hash mismatch", 2) };
        using var context = AdminTestContext.Create(api);
        var page = context.Render<Audit>(p => p.AddCascadingValue(AdminTestContext.Carol));

        page.FindComponents<Microsoft.FluentUI.AspNetCore.Components.FluentButton>().Single(b => b.Markup.Contains("Verify", StringComparison.Ordinal)).Find("fluent-button").Click();

        Assert.Contains("verify:files", api.Calls);
        Assert.Contains("previous_hash mismatch", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Tools_ServerProblem_RendersTitleStatusAndDetail()
    {
        var api = new FakeAdminApi { Fail = new MsilProblem("https://msil.dev/problems/bad-filter", "Invalid filter", 400, "Query parameter 'risk_level' must be read, write or privileged.") };
        using var context = AdminTestContext.Create(api);

        var page = context.Render<Tools>(p => p.AddCascadingValue(AdminTestContext.Carol));

        page.WaitForAssertion(() => Assert.Contains("risk_level", page.Markup, StringComparison.Ordinal));
        Assert.Contains("Invalid filter", page.Markup, StringComparison.Ordinal);
        Assert.Contains("(400)", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void ProblemView_Detail_Rendered()
    {
        using var context = AdminTestContext.Create(new FakeAdminApi());

        var view = context.Render<MsilProblemView>(p => p.Add(v => v.Problem, new MsilProblem(null, "Conflict", 409, "You requested this change: another admin must approve it.")));

        Assert.Contains("Conflict", view.Markup, StringComparison.Ordinal);
        Assert.Contains("another admin must approve it", view.Find(".msil-problem-detail").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Elevation_Revoke_CallsServerWithPrincipalAndScope()
    {
        var api = new FakeAdminApi { Grants = new([new GrantItem("p-carol", "carol", "tool:delete_booking", "delete_booking", null, null, "CHG-1", false)], 1, 1, 50) };
        using var context = AdminTestContext.Create(api);
        var page = context.Render<Elevation>(p => p.AddCascadingValue(AdminTestContext.Carol));

        page.Find("fluent-button[aria-label='Revoke tool:delete_booking for carol']").Click();

        Assert.Contains("revoke:p-carol/tool:delete_booking", api.Calls);
        Assert.Contains("reusable", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Scale_Values_PeakAtTopZeroAtBottom()
    {
        var points = SparkChart.Scale([0, 5, 10], 240, 60).Split(' ');

        Assert.Equal(["2,58", "120,30", "238,2"], points);
    }
}
