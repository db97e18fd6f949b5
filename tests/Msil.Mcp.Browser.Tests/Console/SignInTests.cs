using Microsoft.Playwright;
using Msil.Mcp.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Msil.Mcp.Browser.Tests.Console;

/// <summary>Signing in to the console (authorization code with PKCE at the development issuer) and menus by permission.</summary>
public sealed class SignInTests(ConsoleFixture fixture) : BrowserTest(fixture)
{
    /// <summary>The menu entries an admin (every permission) sees, in order.</summary>
    internal static readonly string[] AdminMenu = ["Tools", "Imports", "Approvals", "Audit", "Policy simulator", "Elevation", "Users", "Health"];

    [Fact(Timeout = TestTimeout)]
    public async Task Console_AnonymousVisitor_SentToSignIn()
    {
        var response = await Page.GotoAsync("/admin/tools");

        Assert.NotNull(response);
        Assert.Contains("/dev/oidc/", Page.Url, StringComparison.Ordinal);
        Assert.Contains("code_challenge=", Page.Url, StringComparison.Ordinal); // PKCE
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Sign in as carol", Exact = true })).ToBeVisibleAsync();
        await Expect(MainMenu).ToHaveCountAsync(0);
        await AssertAccessibleAsync();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SignIn_Carol_SeesEveryAdminMenuAndHerName()
    {
        await SignInAsync("carol", "/admin/audit");

        Assert.StartsWith(Fixture.BaseUrl + "/admin/audit", Page.Url, StringComparison.Ordinal); // back where she started
        foreach (var entry in AdminMenu)
        {
            await Expect(MainMenu.GetByRole(AriaRole.Link, new() { Name = entry, Exact = true })).ToBeVisibleAsync();
        }

        await Expect(Page.GetByText("carol", new() { Exact = false }).First).ToBeVisibleAsync();
        var cookies = await Page.Context.CookiesAsync();
        Assert.DoesNotContain(cookies, c => c.Value.StartsWith("eyJ", StringComparison.Ordinal)); // no token in the browser
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SignIn_Alice_SeesNoAdminMenus()
    {
        await SignInAsync("alice");

        foreach (var entry in AdminMenu)
        {
            await Expect(MainMenu.GetByRole(AriaRole.Link, new() { Name = entry, Exact = true })).ToHaveCountAsync(0);
        }

        await Page.GotoAsync("/admin/audit");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Not permitted", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Table)).ToHaveCountAsync(0);
        await AssertAccessibleAsync();
    }
}
