using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ModelContextProtocol;
using Msil.Mcp.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Msil.Mcp.Browser.Tests.Elevation;

/// <summary>The development approval page (<c>/dev/pim/approve</c>) that a privileged call's URL elicitation points to.</summary>
public sealed class DevelopmentApprovalPageTests(ConsoleFixture fixture) : BrowserTest(fixture)
{
    [Fact(Timeout = TestTimeout)]
    public async Task ApprovePage_ApprovedInBrowser_PrivilegedCallThenSucceeds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var carol = await Fixture.ConnectAsync("carol", ct);
        var args = new Dictionary<string, object?> { ["id"] = "C005" };
        var refused = await Assert.ThrowsAsync<UrlElicitationRequiredException>(() => carol.CallToolAsync("delete_customer_data", args, cancellationToken: ct).AsTask());
        var url = Assert.Single(refused.Elicitations).Url;
        Assert.NotNull(url);
        Assert.StartsWith(Fixture.BaseUrl + "/dev/pim/approve?", url, StringComparison.Ordinal);

        await Page.GotoAsync(url);

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Approve elevation (Development only)" })).ToBeVisibleAsync();
        await Expect(Page.GetByText("delete_customer_data").First).ToBeVisibleAsync();
        await AssertAccessibleAsync();
        await ScreenshotAsync("request");

        await Page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Approve for \\d+ minutes$") }).ClickAsync();

        await Expect(Page.GetByText(new Regex("^Approved: carol@example\\.test may use delete_customer_data until "))).ToBeVisibleAsync();
        await AssertAccessibleAsync();
        var result = await carol.CallToolAsync("delete_customer_data", args, cancellationToken: ct);
        Assert.True(result.IsError != true, string.Join(" ", result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(c => c.Text)));
    }

}
