using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Msil.Mcp.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Msil.Mcp.Browser.Tests.Chat;

/// <summary>
/// The chat host (<c>/chat</c>) in real Chromium against the reference server, its model the fixture's
/// OpenAI-compatible test server with a scripted turn per scenario (each scenario its own phrase, so that they share
/// the model without touching each other's turns). Every scenario saves <c>artifacts/screenshots/chat-*.png</c> (the
/// images of docs/chat.md) and runs axe on each state it shows.
/// </summary>
public sealed class ChatTests(ConsoleFixture fixture) : BrowserTest(fixture)
{
    [Fact(Timeout = TestTimeout)]
    public async Task Chat_BobAsksForInventory_SeesTheToolCardItsResultThenTheAnswer()
    {
        Fixture.Llm.WhenUserSays("[bt-inventory]").CallsTool("get_vehicle_inventory").ThenAnswers("The inventory tool answered (see the card above); the vehicles in stock are listed there.");
        await SignInToChatAsync("bob");
        await Expect(Page.GetByText(new Regex(@"MCP revision \S+ · \d+ tool\(s\) available to you"))).ToBeVisibleAsync();

        await SendAsync("Which vehicles are in stock? [bt-inventory]");

        var card = Card("get_vehicle_inventory");
        await Expect(card.Locator(".status").First).ToHaveTextAsync("allowed");
        await Expect(card.Locator("pre.result")).ToContainTextAsync("vehicle", new() { IgnoreCase = true });
        await Expect(card.Locator(".correlation-id")).ToHaveTextAsync(new Regex(@"\S+"));
        await Expect(Page.Locator(".chat-entry.assistant").Last).ToContainTextAsync("The inventory tool answered");
        var request = Fixture.Llm.Requests.Last(r => r.Messages.Any(m => m.Content.Contains("[bt-inventory]", StringComparison.Ordinal)));
        Assert.Contains(request.Messages, m => m.Role == "tool" && m.Content.Contains("vehicle", StringComparison.OrdinalIgnoreCase)); // the result reached the model
        Assert.Contains("get_vehicle_inventory", request.ToolNames);
        Assert.DoesNotContain("delete_customer_data", request.ToolNames); // bob may not list it, so the model is not offered it
        await AssertAccessibleAsync();
        await ShotAsync("inventory");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Chat_AliceAsksToCreateBooking_DeniedCardSaysItIsNotAmongHerToolsWithTheAuditReference()
    {
        Fixture.Llm.WhenUserSays("[bt-booking]")
            .CallsTool("create_booking", """{"customer_id":"C001","vehicle_id":"V001","dealer_id":"DL001"}""")
            .ThenAnswers("I could not book it: the server refused the call (see the card).");
        await SignInToChatAsync("alice");

        await SendAsync("Book a test drive of V001 for customer C001 at dealer DL001 [bt-booking]");

        var card = Card("create_booking");
        await Expect(card.Locator(".status").First).ToHaveTextAsync("denied");
        await Expect(card.Locator(".reason")).ToContainTextAsync("'create_booking' is not among the tools your account may use");
        await Expect(card.Locator(".reason")).ToContainTextAsync("The server answered: ");
        await Expect(card.Locator(".reason")).ToContainTextAsync("Unknown tool: 'create_booking'.");
        await Expect(card.Locator(".decision-id")).ToHaveCountAsync(0); // nothing about a tool she may not list: no policy decision shown
        await Expect(card.Locator(".correlation-id")).ToHaveTextAsync(new Regex(@"\S+")); // the audit reference
        await Expect(Page.Locator(".chat-entry.assistant").Last).ToContainTextAsync("I could not book it");
        var request = Fixture.Llm.Requests.Last(r => r.Messages.Any(m => m.Content.Contains("[bt-booking]", StringComparison.Ordinal)));
        Assert.DoesNotContain("create_booking", request.ToolNames);
        await AssertAccessibleAsync();
        await ShotAsync("denied");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Chat_CarolDeletesCustomerData_ConfirmThenApproveOnThePimPageThenCalledOnceAndTheChatGoesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var carolApi = await AdminApi.AsAsync(Fixture, "carol", ct);
        await carolApi.RevokeAsync("carol", "delete_customer_data", ct); // another scenario may have elevated her already
        var before = CountAuditLines("delete_customer_data", "success", "carol");
        Fixture.Llm.WhenUserSays("[bt-erase]").CallsTool("delete_customer_data", """{"id":"C004"}""").ThenAnswers("Done: the server answered {tool_result}");
        Fixture.Llm.WhenUserSays("[bt-after-erase]").ThenAnswers("You are welcome. Anything else?");
        await SignInToChatAsync("carol");

        await SendAsync("Please erase the data of customer C004 (GDPR request) [bt-erase]");

        var card = Card("delete_customer_data");
        await Expect(card.Locator(".status").First).ToHaveTextAsync("confirm?");
        await Expect(card).ToContainTextAsync("This tool is marked destructive");
        await AssertAccessibleAsync();
        await ShotAsync("confirm");
        await card.GetByRole(AriaRole.Button, new() { Name = "Run it" }).ClickAsync();

        await Expect(card.Locator(".status").First).ToHaveTextAsync("approval required");
        var link = card.GetByRole(AriaRole.Link, new() { Name = "Open the approval page" });
        await Expect(link).ToHaveAttributeAsync("href", new Regex("/dev/pim/approve\\?"));
        await AssertAccessibleAsync();
        await ShotAsync("approval");

        // The approval page opens in a new tab; the person approves there (it posts a form) and comes back.
        var approval = await Page.RunAndWaitForPopupAsync(() => link.ClickAsync());
        await Expect(approval.GetByRole(AriaRole.Heading, new() { Name = "Approve elevation (Development only)" })).ToBeVisibleAsync();
        await approval.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Approve for \\d+ minutes$") }).ClickAsync();
        await Expect(approval.GetByText(new Regex("^Approved: carol@example\\.test may use delete_customer_data until "))).ToBeVisibleAsync();
        await approval.CloseAsync();

        await card.GetByRole(AriaRole.Button, new() { Name = "Approved: call it again" }).ClickAsync();

        await Expect(card.Locator(".status").First).ToHaveTextAsync("allowed");
        await Expect(card.Locator(".audit-reference")).ToContainTextAsync("attempt 2");
        await Expect(Page.Locator(".chat-entry.assistant").Last).ToContainTextAsync("Done: the server answered");
        await WaitForAuditLinesAsync("delete_customer_data", "success", "carol", before + 1);
        Assert.Equal(before + 1, CountAuditLines("delete_customer_data", "success", "carol")); // went through exactly once

        await SendAsync("Thanks! [bt-after-erase]");
        await Expect(Page.Locator(".chat-entry.assistant").Last).ToContainTextAsync("You are welcome.");
        await Expect(Page.Locator(".tool-card")).ToHaveCountAsync(1); // the conversation went on without calling anything again
        await AssertAccessibleAsync();
        await ShotAsync("approved");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ManualMode_BobPicksAToolFillsTheFormAndCallsIt_SeesTheCard()
    {
        await SignInToChatAsync("bob");

        await Page.Locator("#chat-mode").SelectOptionAsync("manual");
        await Page.Locator("#manual-tool").SelectOptionAsync("get_dealer_enquiries");
        var form = Page.GetByRole(AriaRole.Form, new() { Name = "Arguments of get_dealer_enquiries" });
        await form.Locator("#arg-id").FillAsync("DL001");
        await form.Locator("#arg-id").PressAsync("Tab");
        await AssertAccessibleAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "Call get_dealer_enquiries" }).ClickAsync();

        var card = Card("get_dealer_enquiries");
        await Expect(card.Locator(".status").First).ToHaveTextAsync("allowed");
        await Expect(card.Locator("pre.arguments")).ToContainTextAsync("\"DL001\"");
        await Expect(card.Locator("pre.result")).Not.ToBeEmptyAsync();
        await AssertAccessibleAsync();
        await ShotAsync("manual");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Chat_CancelAStreamingAnswer_ThenNewConversationClearsIt()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            Fixture.Llm.WhenUserSays("[bt-cancel]").HoldsAnswerUntil(release.Task)
                .ThenAnswers("Once upon a time there was a very long answer that nobody wanted to wait for.");
            await SignInToChatAsync("bob");

            await SendAsync("Tell me a long story [bt-cancel]");

            await Expect(Page.Locator(".chat-entry.assistant").Last).ToContainTextAsync("Once upo"); // the first piece streamed in
            var cancel = Page.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true });
            await Expect(cancel).ToBeVisibleAsync();
            await cancel.ClickAsync();

            await Expect(Page.Locator(".chat-entry.notice").Last).ToHaveTextAsync("Cancelled.");
            await Expect(Page.Locator(".chat-entry.assistant").Last).ToHaveTextAsync("Once upo …");
            await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true })).ToBeVisibleAsync();
            await AssertAccessibleAsync();
            await ShotAsync("cancelled");

            await Page.GetByRole(AriaRole.Button, new() { Name = "New conversation", Exact = true }).ClickAsync();

            await Expect(Page.Locator(".chat-log > *")).ToHaveCountAsync(0);
            await Page.ReloadAsync(); // the store was cleared too, not just the page
            await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Chat", Level = 1 })).ToBeVisibleAsync();
            await Expect(Page.GetByText(new Regex(@"MCP revision"))).ToBeVisibleAsync();
            await Expect(Page.Locator(".chat-log > *")).ToHaveCountAsync(0);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    private ILocator Card(string tool) => Page.GetByRole(AriaRole.Article, new() { Name = "Tool call " + tool, Exact = true }).Last;

    /// <summary>Opens the chat as an anonymous visitor, signs in at the development issuer and waits for the chat to be interactive.</summary>
    private async Task SignInToChatAsync(string username)
    {
        await Page.GotoAsync("/chat/");
        await Page.WaitForURLAsync(new Regex("/dev/oidc/"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in as " + username, Exact = true }).ClickAsync();
        await Page.WaitForURLAsync(new Regex("/chat(/|$|\\?)"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Chat", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByText(new Regex(@"MCP revision"))).ToBeVisibleAsync(); // connected and the tools listed
    }

    private async Task SendAsync(string text)
    {
        var message = Page.GetByLabel("Message", new() { Exact = true });
        await message.FillAsync(text);
        await message.PressAsync("Tab"); // Blazor binds on change
        await Page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(Page.Locator(".chat-entry.user").Last).ToHaveTextAsync(text);
    }

    /// <summary>Saves <c>artifacts/screenshots/chat-{name}.png</c> (the page at 1280 px, whole height) after checking nothing is wider than the window.</summary>
    private async Task ShotAsync(string name)
    {
        var width = await Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 1280, $"The page is {width} px wide at a 1280 px window: something overflows.");
        Directory.CreateDirectory(ArtifactPaths.Screenshots);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactPaths.Screenshots, "chat-" + name + ".png"), FullPage = true });
    }

    private int CountAuditLines(string tool, string outcome, string user)
    {
        var count = 0;
        if (!Directory.Exists(Fixture.Server.AuditDirectory))
        {
            return 0;
        }

        foreach (var file in Directory.EnumerateFiles(Fixture.Server.AuditDirectory, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (!line.StartsWith('{'))
                {
                    continue;
                }

                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (Str(root, "action") == "tool.call" && Str(root, "tool") == tool && Str(root, "outcome") == outcome && (Str(root, "user_id") ?? string.Empty).Contains(user, StringComparison.Ordinal))
                {
                    count++;
                }
            }
        }

        return count;

        static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>Waits (bounded) until the audit log holds <paramref name="expected"/> such records: they are written just after the answer.</summary>
    private async Task WaitForAuditLinesAsync(string tool, string outcome, string user, int expected)
    {
        for (var i = 0; i < 100 && CountAuditLines(tool, outcome, user) < expected; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
