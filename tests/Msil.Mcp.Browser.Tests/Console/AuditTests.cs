using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ModelContextProtocol;
using Msil.Mcp.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Msil.Mcp.Browser.Tests.Console;

/// <summary>Searching the audit log, opening a record, and verifying the hash chain.</summary>
public sealed class AuditTests(ConsoleFixture fixture) : BrowserTest(fixture)
{
    [Fact(Timeout = TestTimeout)]
    public async Task Audit_SearchDeniedCall_RecordShowsDecisionAndReason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var alice = await Fixture.ConnectAsync("alice", ct))
        {
            await Assert.ThrowsAnyAsync<McpProtocolException>(() => alice.CallToolAsync("create_booking", new Dictionary<string, object?>
            {
                ["customer_id"] = "C001", ["vehicle_id"] = "V001", ["dealer_id"] = "DL001",
            }, cancellationToken: ct).AsTask());
        }

        await SignInAsync("carol");
        await OpenFromMenuAsync("Audit", "Audit");
        await FillFieldAsync("Tool", "create_booking");
        await SelectAsync("Outcome", "denied");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();

        var row = Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "alice" }).Filter(new() { HasText = "denied" });
        await Expect(row.First).ToBeVisibleAsync();
        await AssertAccessibleAsync();
        await ScreenshotAsync("search");
        await row.First.GetByRole(AriaRole.Link).First.ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Heading, new() { NameRegex = new Regex("^Audit record \\d+$"), Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByText("create_booking").First).ToBeVisibleAsync();
        await Expect(Page.GetByText("denied").First).ToBeVisibleAsync();
        await Expect(Page.GetByText(new Regex("hash", RegexOptions.IgnoreCase)).First).ToBeVisibleAsync(); // chain position
        await AssertAccessibleAsync();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Audit_VerifyFiles_ChainIntact()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var bob = await Fixture.ConnectAsync("bob", ct))
        {
            await bob.CallToolAsync("get_vehicle_inventory", new Dictionary<string, object?>(), cancellationToken: ct);
        }

        await SignInAsync("carol");
        await OpenFromMenuAsync("Audit", "Audit");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();

        var result = Page.GetByRole(AriaRole.Status, new() { Name = "Verification result" });
        await Expect(result).ToContainTextAsync("Chain intact");
        await Expect(result).ToContainTextAsync(new Regex("[1-9]\\d* record\\(s\\) checked in the files store"));
        await AssertAccessibleAsync();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Audit_NarrowWindow_LabelsStayAboveTheirFieldsAndCellsWrap()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var alice = await Fixture.ConnectAsync("alice", ct))
        {
            // A denial's reason is the longest text in an audit row.
            await Assert.ThrowsAnyAsync<McpProtocolException>(() => alice.CallToolAsync("create_booking", new Dictionary<string, object?>
            {
                ["customer_id"] = "C001", ["vehicle_id"] = "V001", ["dealer_id"] = "DL001",
            }, cancellationToken: ct).AsTask());
        }

        await Page.SetViewportSizeAsync(760, 900); // the filter row wraps onto several lines
        await SignInAsync("carol");
        await OpenFromMenuAsync("Audit", "Audit");
        await Expect(Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "denied" }).First).ToBeVisibleAsync();

        // A field's label is rendered beside it (a sibling, not a child, for text fields and selects alike): each label
        // must sit right above its own field, left-aligned with it, wherever the row wraps.
        var misplaced = await Page.EvaluateAsync<string[]>("""
            () => {
              const labels = [...document.querySelectorAll('.msil-filters label[for]')];
              if (labels.length < 9) return [`only ${labels.length} labelled fields found`];
              return labels.flatMap(label => {
                const field = document.getElementById(label.htmlFor);
                if (!field) return [`no field #${label.htmlFor} for '${label.textContent.trim()}'`];
                const l = label.getBoundingClientRect(), f = field.getBoundingClientRect();
                return l.bottom <= f.top + 2 && Math.abs(l.left - f.left) <= 2 ? [] : [`'${label.textContent.trim()}' at (${l.left},${l.top}) for a field at (${f.left},${f.top})`];
              });
            }
            """);
        Assert.Empty(misplaced);

        // Grid cells wrap long text instead of cutting it off with an ellipsis.
        var clipped = await Page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('table[aria-label="Audit records"] td')]
              .filter(td => td.scrollWidth > td.clientWidth + 1)
              .map(td => td.textContent.trim())
            """);
        Assert.Empty(clipped);
        await ScreenshotAsync("narrow");
    }

    private async Task SelectAsync(string label, string option)
    {
        await Page.GetByLabel(label, new() { Exact = true }).First.ClickAsync();
        await Page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
    }
}
