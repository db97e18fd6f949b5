using System.Text;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Msil.Mcp.Browser.Tests.Infrastructure;

/// <summary>
/// Base of every browser test: a fresh browser context and page per test (no cookies or storage shared between
/// tests), bounded waits, a screenshot under <c>artifacts/screenshots/</c> at the end of every test, pass or fail.
/// </summary>
[Collection(ConsoleGroup.Name)]
public abstract class BrowserTest(ConsoleFixture fixture) : IAsyncLifetime
{
    /// <summary>Each test's bound (milliseconds): the per-test <c>Timeout</c> of the facts.</summary>
    protected const int TestTimeout = 90_000;

    /// <summary>The bound of one browser action or wait (milliseconds).</summary>
    protected const float ActionTimeout = 15_000;

    private IBrowserContext? _context;

    /// <summary>Gets the shared server and browser.</summary>
    protected ConsoleFixture Fixture { get; } = fixture;

    /// <summary>Gets this test's page.</summary>
    protected IPage Page { get; private set; } = null!;

    /// <inheritdoc/>
    public async ValueTask InitializeAsync()
    {
        var browser = Fixture.RequireBrowser();
        _context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Fixture.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        _context.SetDefaultTimeout(ActionTimeout);
        _context.SetDefaultNavigationTimeout(ActionTimeout);
        Page = await _context.NewPageAsync();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_context is null)
        {
            return;
        }

        if (Page is not null && !Page.IsClosed)
        {
            try
            {
                await ScreenshotAsync();
            }
            catch (PlaywrightException)
            {
                // the page may be gone after a failure; the test's own result says what happened
            }
        }

        await _context.CloseAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Saves a screenshot of the page (besides the one every test saves at its end) as <c>artifacts/screenshots/&lt;Class&gt;.&lt;Method&gt;[-name].png</c>.</summary>
    /// <returns>The file written.</returns>
    protected async Task<string> ScreenshotAsync(string? name = null)
    {
        Directory.CreateDirectory(ArtifactPaths.Screenshots);
        var test = TestContext.Current.TestMethod;
        var display = TestContext.Current.Test?.TestDisplayName ?? string.Empty;
        var open = display.IndexOf('(', StringComparison.Ordinal);
        var arguments = open < 0 ? string.Empty : "-" + Regex.Replace(display[open..], "[^A-Za-z0-9]+", "-").Trim('-');
        var file = $"{GetType().Name}.{test?.MethodName ?? "test"}{arguments}{(name is null ? string.Empty : "-" + name)}.png";
        var path = Path.Combine(ArtifactPaths.Screenshots, file);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>
    /// Opens <paramref name="path"/> of the console as an anonymous visitor, which the console sends to the development
    /// issuer's login page, signs in there as the demo user <paramref name="username"/> (one button per user), and waits
    /// until the console is back, interactive (it renders nothing before its circuit is up), with its menu.
    /// </summary>
    protected async Task SignInAsync(string username, string path = "/admin/")
    {
        // Each wait ends when the navigation commits; the button and the menu are then awaited by Playwright's retrying
        // locators (the menu with room for the load and the circuit). Waiting for the load event as well timed out once
        // in a clean-clone run (15 s, the redirect back from the issuer under the suite's load).
        await Page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit });
        await Page.WaitForURLAsync(new Regex("/dev/oidc/"), new() { WaitUntil = WaitUntilState.Commit });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in as " + username, Exact = true }).ClickAsync();
        await Page.WaitForURLAsync(new Regex("/admin(/|$|\\?)"), new() { WaitUntil = WaitUntilState.Commit });
        await Microsoft.Playwright.Assertions.Expect(MainMenu).ToBeVisibleAsync(new() { Timeout = 2 * ActionTimeout });
    }

    /// <summary>Gets the console's main menu (the navigation landmark).</summary>
    protected ILocator MainMenu => Page.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" });

    /// <summary>Opens a console page by its menu entry and waits for its heading.</summary>
    protected async Task OpenFromMenuAsync(string entry, string heading)
    {
        await MainMenu.GetByRole(AriaRole.Link, new() { Name = entry, Exact = true }).ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
    }

    /// <summary>Fills the Fluent UI text field labelled <paramref name="label"/> and commits the value (Blazor binds on change).</summary>
    protected async Task FillFieldAsync(string label, string value)
    {
        var field = Page.GetByLabel(label, new() { Exact = true });
        await field.FillAsync(value);
        await field.PressAsync("Tab");
    }

    /// <summary>
    /// Runs axe (WCAG 2.0/2.1 A and AA rules) over the current page and fails on any serious or critical violation,
    /// listing each rule, its help text and the offending elements.
    /// </summary>
    /// <remarks>
    /// The Fluent UI web components name their inner controls (the label of a <c>fluent-text-field</c>'s input, a
    /// <c>fluent-select</c>'s accessible name) a moment after they are upgraded, and the interactive render may replace
    /// them once more after the first paint; axe run in between reports controls without names that the settled page
    /// does not have. So, like Playwright's own assertions, the check looks again (up to three times, 500 ms apart)
    /// before it fails: a violation that is still there on the settled page fails the test.
    /// </remarks>
    protected async Task AssertAccessibleAsync()
    {
        var options = new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
        };
        var result = await Page.RunAxe(options);
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        for (var attempt = 1; bad.Count > 0 && attempt < 3; attempt++)
        {
            await Page.WaitForTimeoutAsync(500);
            result = await Page.RunAxe(options);
            bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        }

        if (bad.Count == 0)
        {
            return;
        }

        var text = new StringBuilder($"axe found {bad.Count} serious or critical violation(s) on {Page.Url}:");
        foreach (var v in bad)
        {
            text.Append('\n').Append($"- [{v.Impact}] {v.Id}: {v.Help} ({v.HelpUrl})");
            foreach (var node in v.Nodes.Take(5))
            {
                text.Append("\n    ").Append(string.Join(" ", node.Target?.ToString() ?? string.Empty)).Append("  ").Append(node.Html?.Length > 160 ? node.Html[..160] + "…" : node.Html);
            }
        }

        Assert.Fail(text.ToString());
    }
}
