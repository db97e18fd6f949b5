using Bunit;
using Microsoft.FluentUI.AspNetCore.Components;
using Msil.Mcp.Chat.Components;

namespace Msil.Mcp.Chat.Tests.Components;

public sealed class ToolCallCardViewTests : BunitContext
{
    public ToolCallCardViewTests()
    {
        Services.AddFluentUIComponents();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void Render_Denied_ShowsReasonDecisionIdAndAuditLink()
    {
        var card = new ToolCallCard
        {
            ToolName = "create_booking",
            Status = ToolCallStatus.Denied,
            Reason = "role viewer may not execute write tools",
            DecisionId = "dec-123",
            CorrelationId = "corr-9",
            AuditLink = "/admin/audit?correlation_id=corr-9",
            Attempts = 1,
        };

        var cut = Render<ToolCallCardView>(p => p.Add(c => c.Card, card));

        Assert.Contains("role viewer may not execute write tools", cut.Find(".reason").TextContent, StringComparison.Ordinal);
        Assert.Equal("dec-123", cut.Find(".decision-id").TextContent);
        Assert.Equal("/admin/audit?correlation_id=corr-9", cut.Find("a.audit-link").GetAttribute("href"));
        Assert.Equal("denied", cut.Find(".status").TextContent);
        Assert.Contains("denied", cut.Find("article").ClassList);
    }

    [Fact]
    public void Render_InvalidArguments_ListsEveryField()
    {
        var card = new ToolCallCard { ToolName = "get_dealer_enquiries", Status = ToolCallStatus.InvalidArguments, InvalidFields = ["/id: expected string", "/limit: must be >= 1"] };

        var cut = Render<ToolCallCardView>(p => p.Add(c => c.Card, card));

        Assert.Equal(["/id: expected string", "/limit: must be >= 1"], cut.FindAll(".invalid-fields li").Select(li => li.TextContent));
    }

    [Fact]
    public void Render_RateLimited_ShowsRetryTimeInSeconds()
    {
        var card = new ToolCallCard { ToolName = "t", Status = ToolCallStatus.RateLimited, RetryAfter = TimeSpan.FromSeconds(41.2) };

        var cut = Render<ToolCallCardView>(p => p.Add(c => c.Card, card));

        Assert.Equal("42", cut.Find(".retry-after").TextContent);
    }

    [Fact]
    public void Render_Succeeded_ShowsArgumentsAndResult()
    {
        var card = new ToolCallCard { ToolName = "get_vehicle_inventory", Status = ToolCallStatus.Succeeded, ArgumentsJson = "{\n  \"model\": \"Swift\"\n}", Result = "{\"vehicles\":[]}" };

        var cut = Render<ToolCallCardView>(p => p.Add(c => c.Card, card));

        Assert.Contains("\"model\": \"Swift\"", cut.Find("pre.arguments").TextContent, StringComparison.Ordinal);
        Assert.Equal("{\n  \"vehicles\": []\n}", cut.Find("pre.result").TextContent);
        Assert.Empty(cut.FindAll("a.audit-link")); // no correlation id, no link
    }

    [Fact]
    public void Render_SucceededWithEscapedJson_ShowsItReadably()
    {
        var card = new ToolCallCard { ToolName = "get_vehicle_inventory", Status = ToolCallStatus.Succeeded, Result = """{"vin":"ZXi\u002B","city":"Z\u00FCrich"}""" };

        var cut = Render<ToolCallCardView>(p => p.Add(c => c.Card, card));

        Assert.Equal("{\n  \"vin\": \"ZXi+\",\n  \"city\": \"Zürich\"\n}", cut.Find("pre.result").TextContent);
    }

    [Fact]
    public void Render_SucceededWithPlainText_ShowsItAsItIs()
    {
        var card = new ToolCallCard { ToolName = "echo", Status = ToolCallStatus.Succeeded, Result = "Echo: {not json" };

        var cut = Render<ToolCallCardView>(p => p.Add(c => c.Card, card));

        Assert.Equal("Echo: {not json", cut.Find("pre.result").TextContent);
    }

    [Theory]
    [InlineData(".confirm", true)]
    [InlineData(".decline", false)]
    public void Click_AwaitingConfirmation_ReportsTheUsersAnswer(string button, bool expected)
    {
        var card = new ToolCallCard { ToolName = "delete_customer_data", Destructive = true, Status = ToolCallStatus.AwaitingConfirmation };
        bool? answer = null;

        var cut = Render<ToolCallCardView>(p => p.Add(c => c.Card, card).Add(c => c.OnDecision, (bool a) => answer = a));
        cut.Find(button).Click();

        Assert.Equal(expected, answer);
        Assert.Contains("destructive", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ApprovalRequired_ShowsTheElevationLinkAndRetryOnlyWhileWaiting()
    {
        var card = new ToolCallCard
        {
            ToolName = "delete_customer_data",
            Status = ToolCallStatus.ApprovalRequired,
            ApprovalUrl = new Uri("http://127.0.0.1:5100/dev/pim/approve?user=carol&scope=delete_customer_data"),
            Reason = "Elevation required",
        };
        bool? answer = null;

        var waiting = Render<ToolCallCardView>(p => p.Add(c => c.Card, card).Add(c => c.AwaitingApproval, true).Add(c => c.OnDecision, (bool a) => answer = a));
        var done = Render<ToolCallCardView>(p => p.Add(c => c.Card, card).Add(c => c.AwaitingApproval, false));

        Assert.Equal(card.ApprovalUrl.ToString(), waiting.Find("a.approval-link").GetAttribute("href"));
        Assert.Equal("noopener noreferrer", waiting.Find("a.approval-link").GetAttribute("rel"));
        waiting.Find(".retry").Click();
        Assert.True(answer);
        Assert.Empty(done.FindAll(".retry"));
    }
}
