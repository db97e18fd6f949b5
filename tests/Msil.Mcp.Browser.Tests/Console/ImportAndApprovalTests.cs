using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Msil.Mcp.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Msil.Mcp.Browser.Tests.Console;

/// <summary>Imports with their diff, four-eyes approval of a privileged change, and rolling a tool back.</summary>
public sealed class ImportAndApprovalTests(ConsoleFixture fixture) : BrowserTest(fixture)
{
    [Fact(Timeout = TestTimeout)]
    public async Task Import_ChangedTool_DryRunShowsChangedFieldsThenApplies()
    {
        var ct = TestContext.Current.CancellationToken;
        var carol = await AdminApi.AsAsync(Fixture, "carol", ct);
        var (seeded, _) = await carol.ImportAsync("bt-diff", TestSpecs.OneOperation("listFleetVehicles", "List the fleet's vehicles."), dryRun: false, ct);
        Assert.Equal(HttpStatusCode.OK, seeded);

        await SignInAsync("carol");
        await OpenFromMenuAsync("Imports", "Import an OpenAPI document");
        await FillFieldAsync("Source name", "bt-diff");
        await UploadAsync("fleet.json", TestSpecs.OneOperation("listFleetVehicles", "List the fleet's vehicles, newest first."));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Dry run", Exact = true }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Dry run: nothing stored" })).ToBeVisibleAsync();
        var changed = Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "list_fleet_vehicles" });
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Changed (1)" })).ToBeVisibleAsync();
        await Expect(changed).ToContainTextAsync("description");
        await AssertAccessibleAsync();
        await ScreenshotAsync("diff");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Apply", Exact = true }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Applied", Exact = true })).ToBeVisibleAsync();
        var (status, tool) = await carol.GetToolAsync("list_fleet_vehicles", ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("newest first", tool.GetProperty("definition").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Import_NewPrivilegedTool_StagedUntilDaveApproves()
    {
        var ct = TestContext.Current.CancellationToken;
        var carol = await AdminApi.AsAsync(Fixture, "carol", ct);

        await SignInAsync("carol");
        await OpenFromMenuAsync("Imports", "Import an OpenAPI document");
        await FillFieldAsync("Source name", "bt-four-eyes");
        await UploadAsync("purge.json", TestSpecs.OneOperation("purgeFleetRecords", "Erase a fleet's records.", riskLevel: "privileged", method: "delete"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Dry run", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Added (1)" })).ToBeVisibleAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Apply", Exact = true }).ClickAsync();

        await Expect(Page.GetByText("Staged for approval")).ToBeVisibleAsync();
        await ScreenshotAsync("staged");
        var (stagedStatus, staged) = await carol.GetToolAsync("purge_fleet_records", ct);
        Assert.Equal(HttpStatusCode.OK, stagedStatus);
        Assert.Equal("staged", staged.GetProperty("state").GetString()); // not applied: listed as staged, not served

        // Carol may not approve her own change.
        await OpenFromMenuAsync("Approvals", "Approvals");
        var row = Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "bt-four-eyes" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByText("Your own change")).ToBeVisibleAsync();
        await Expect(row.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Approve change ") })).ToBeDisabledAsync();

        // Dave, a second admin, approves it.
        await Page.Context.ClearCookiesAsync();
        await SignInAsync("dave", "/admin/approvals");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Approvals", Level = 1 })).ToBeVisibleAsync();
        row = Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "bt-four-eyes" });
        await Expect(row).ToContainTextAsync("carol");
        await AssertAccessibleAsync();
        await ScreenshotAsync("approvals");
        await row.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Approve change ") }).ClickAsync();

        await Expect(Page.GetByText(new Regex("approved and applied"))).ToBeVisibleAsync();
        var (status, tool) = await carol.GetToolAsync("purge_fleet_records", ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("privileged", tool.GetProperty("risk_level").GetString());
        Assert.Equal("active", tool.GetProperty("state").GetString());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ToolDetail_RollBack_ServesEarlierVersion()
    {
        var ct = TestContext.Current.CancellationToken;
        var carol = await AdminApi.AsAsync(Fixture, "carol", ct);
        Assert.Equal(HttpStatusCode.OK, (await carol.ImportAsync("bt-rollback", TestSpecs.OneOperation("listDepotSlots", "Depot slots, first wording."), dryRun: false, ct)).Status);
        Assert.Equal(HttpStatusCode.OK, (await carol.ImportAsync("bt-rollback", TestSpecs.OneOperation("listDepotSlots", "Depot slots, second wording."), dryRun: false, ct)).Status);

        await SignInAsync("carol");
        await OpenFromMenuAsync("Tools", "Tools");
        await FillFieldAsync("Name or title", "list_depot_slots");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Link, new() { Name = "list_depot_slots", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "list_depot_slots", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByText("Depot slots, second wording.").First).ToBeVisibleAsync();
        await AssertAccessibleAsync();
        await ScreenshotAsync("detail");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Pin / roll back to 1.0.0", Exact = true }).ClickAsync();

        await Expect(Page.GetByText("Depot slots, first wording.").First).ToBeVisibleAsync();
        var (_, tool) = await carol.GetToolAsync("list_depot_slots", ct);
        Assert.Equal("Depot slots, first wording.", tool.GetProperty("definition").GetProperty("description").GetString());
    }

    private async Task UploadAsync(string fileName, string document)
    {
        await Page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = fileName,
            MimeType = "application/json",
            Buffer = Encoding.UTF8.GetBytes(document),
        });
        await Expect(Page.GetByText(fileName)).ToBeVisibleAsync(); // the console read it
    }
}
