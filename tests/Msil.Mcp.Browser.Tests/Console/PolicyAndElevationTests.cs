using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Msil.Mcp.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Msil.Mcp.Browser.Tests.Console;

/// <summary>The policy simulator and the elevation page.</summary>
public sealed class PolicyAndElevationTests(ConsoleFixture fixture) : BrowserTest(fixture)
{
    [Fact(Timeout = TestTimeout)]
    public async Task Simulate_AliceCreateBooking_ExecuteDeniedWithReason()
    {
        // The simulator knows a user from the users store, which counts every caller seen: alice calls once first.
        var ct = TestContext.Current.CancellationToken;
        await using (var alice = await Fixture.ConnectAsync("alice", ct))
        {
            await alice.CallToolAsync("get_vehicle_inventory", new Dictionary<string, object?>(), cancellationToken: ct);
        }

        await SignInAsync("carol");
        await OpenFromMenuAsync("Policy simulator", "Policy simulator");
        await FillFieldAsync("User (roles and groups looked up)", "alice");
        await FillFieldAsync("Tool", "create_booking");

        // The store is written in the background (every few seconds): until then the simulator says alice is unknown.
        var table = Page.GetByRole(AriaRole.Table, new() { Name = "Simulation results" });
        for (var attempt = 0; attempt < 15 && await table.CountAsync() == 0; attempt++)
        {
            await Page.GetByRole(AriaRole.Button, new() { Name = "Simulate", Exact = true }).ClickAsync();
            await Page.WaitForTimeoutAsync(1000);
        }

        var row = table.GetByRole(AriaRole.Row).Filter(new() { HasText = "create_booking" });
        await Expect(row).ToHaveCountAsync(1);
        var cells = row.GetByRole(AriaRole.Cell);
        await Expect(cells.Nth(5)).ToHaveTextAsync("Deny"); // execute
        await Expect(cells.Nth(6)).ToContainTextAsync("viewer"); // its reason names alice's own role, looked up
        await Expect(cells.Nth(7)).ToHaveTextAsync(new Regex("\\S")); // its decision id
        await AssertAccessibleAsync();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Elevation_RevokeGrant_GoneFromListAndStore()
    {
        var ct = TestContext.Current.CancellationToken;
        var approver = await AdminApi.AsAsync(Fixture, "pim-approver", ct);
        var (granted, _) = await approver.GrantAsync("bob", "delete_customer_data", "PIM-BROWSER-REVOKE", ct);
        Assert.Equal(HttpStatusCode.Created, granted);

        await SignInAsync("carol");
        await OpenFromMenuAsync("Elevation", "Elevation");
        var grants = Page.GetByRole(AriaRole.Table, new() { Name = "Active grants" });
        var row = grants.GetByRole(AriaRole.Row).Filter(new() { HasText = "PIM-BROWSER-REVOKE" });
        await Expect(row).ToHaveCountAsync(1);
        await AssertAccessibleAsync();
        await ScreenshotAsync("grants");

        await row.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Revoke delete_customer_data for ") }).ClickAsync();

        await Expect(row).ToHaveCountAsync(0);
        var carol = await AdminApi.AsAsync(Fixture, "carol", ct);
        var (status, list) = await carol.GetAsync("/api/pim/grants?user=bob%40example.test", ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), g => g.GetProperty("approval_reference").GetString() == "PIM-BROWSER-REVOKE");
    }
}
