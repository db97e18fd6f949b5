using Microsoft.Playwright;
using Msil.Mcp.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Msil.Mcp.Browser.Tests.Console;

/// <summary>axe over every page of the console, signed in as an admin: no serious or critical violation.</summary>
public sealed class AccessibilityTests(ConsoleFixture fixture) : BrowserTest(fixture)
{
    [Theory(Timeout = TestTimeout)]
    [InlineData("", "Overview")]
    [InlineData("tools", "Tools")]
    [InlineData("tools/get_vehicle_inventory", "get_vehicle_inventory")]
    [InlineData("imports", "Import an OpenAPI document")]
    [InlineData("approvals", "Approvals")]
    [InlineData("audit", "Audit")]
    [InlineData("policy", "Policy simulator")]
    [InlineData("elevation", "Elevation")]
    [InlineData("users", "Users")]
    [InlineData("health", "Health")]
    public async Task Page_SignedInAsAdmin_NoSeriousViolations(string path, string heading)
    {
        await SignInAsync("carol", "/admin/" + path);

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByLabel("Loading")).ToHaveCountAsync(0);
        await AssertAccessibleAsync();
    }
}
