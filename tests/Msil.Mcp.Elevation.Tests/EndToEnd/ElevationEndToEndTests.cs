using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation.Tests.Support;

namespace Msil.Mcp.Elevation.Tests.EndToEnd;

/// <summary>
/// The end-to-end flow through a real host and the MCP C# SDK client, with a fake clock so expiry can be
/// driven: -32042 with a URL → the approval system posts the grant → the same call succeeds → after expiry it is
/// refused again.
/// </summary>
public sealed class ElevationEndToEndTests
{
    private const string Carol = "carol@example.test";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, object?> Args = new() { ["id"] = "C005" };

    [Fact]
    public async Task CallTool_PrivilegedWithoutGrant_ElicitationThenGrantThenSuccessThenExpiry()
    {
        var time = new FakeTimeProvider(GateFixture.Start);
        await using var host = await ElevationTestHost.StartAsync(time: time);
        await using var client = await host.ConnectAsync(Carol, "admin");

        // 1. No grant: URL elicitation required (-32042), the URL both in the error data and in words.
        var first = await Assert.ThrowsAnyAsync<McpProtocolException>(() => client.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct).AsTask());
        Assert.Equal(McpErrorCode.UrlElicitationRequired, first.ErrorCode);
        var url = ElicitationUrl(first);
        Assert.StartsWith(host.BaseUrl + "/dev/pim/approve?user=carol%40example.test&principal=", url, StringComparison.Ordinal);
        Assert.Contains("sub-carol%40example.test&scope=delete_customer_data&ref=", url, StringComparison.Ordinal);
        Assert.Contains(url, first.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.Executor.Runs(TestTools.Privileged));

        // 2. The approval system records the grant.
        using (var granted = await host.GrantAsync(Carol, TestTools.Privileged, time.GetUtcNow().AddMinutes(10)))
        {
            Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        }

        // 3. The same call succeeds, and is audited with the grant's reference.
        var result = await client.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal(1, host.Executor.Runs(TestTools.Privileged));
        Assert.Equal("PIM-2026-000042", host.Audit.WithAction(AuditActions.ToolCall)[^1].ElevationReference);

        // 4. After expiry it is refused again.
        time.Advance(TimeSpan.FromMinutes(10));
        var after = await Assert.ThrowsAnyAsync<McpProtocolException>(() => client.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct).AsTask());
        Assert.Equal(McpErrorCode.UrlElicitationRequired, after.ErrorCode);
        Assert.Equal(1, host.Executor.Runs(TestTools.Privileged));
        Assert.Equal(
            [AuditOutcomes.ElevationRequired, AuditOutcomes.Success, AuditOutcomes.ElevationRequired],
            host.Audit.WithAction(AuditActions.ToolCall).Select(r => r.Outcome));
    }

    [Fact]
    public async Task CallTool_GrantOfOneUser_DoesNotElevateAnother()
    {
        var time = new FakeTimeProvider(GateFixture.Start);
        await using var host = await ElevationTestHost.StartAsync(time: time);
        (await host.GrantAsync(Carol, TestTools.Privileged, time.GetUtcNow().AddMinutes(10))).Dispose();
        await using var dave = await host.ConnectAsync("dave@example.test", "admin");

        var ex = await Assert.ThrowsAnyAsync<McpProtocolException>(() => dave.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct).AsTask());

        Assert.Equal(McpErrorCode.UrlElicitationRequired, ex.ErrorCode);
    }

    [Fact]
    public async Task CallTool_SingleUseBoundGrant_OtherArgumentsRefusedThenOnceThenNoMore()
    {
        var time = new FakeTimeProvider(GateFixture.Start);
        await using var host = await ElevationTestHost.StartAsync(time: time);
        await using var client = await host.ConnectAsync(Carol, "admin");
        (await host.GrantAsync(Carol, TestTools.Privileged, time.GetUtcNow().AddMinutes(10), singleUse: true, arguments: new { id = "C042" })).Dispose();

        var wrong = await Assert.ThrowsAnyAsync<McpProtocolException>(() => client.CallToolAsync(TestTools.Privileged, new Dictionary<string, object?> { ["id"] = "C043" }, cancellationToken: Ct).AsTask());
        var once = await client.CallToolAsync(TestTools.Privileged, new Dictionary<string, object?> { ["id"] = "C042" }, cancellationToken: Ct);
        var twice = await Assert.ThrowsAnyAsync<McpProtocolException>(() => client.CallToolAsync(TestTools.Privileged, new Dictionary<string, object?> { ["id"] = "C042" }, cancellationToken: Ct).AsTask());

        Assert.Equal(McpErrorCode.UrlElicitationRequired, wrong.ErrorCode);
        Assert.NotEqual(true, once.IsError);
        Assert.Equal(McpErrorCode.UrlElicitationRequired, twice.ErrorCode);
        Assert.Equal(1, host.Executor.Runs(TestTools.Privileged));
        var calls = host.Audit.WithAction(AuditActions.ToolCall);
        Assert.Contains("bound to other arguments", calls[0].Detail, StringComparison.Ordinal);
        Assert.Contains("no active elevation", calls[2].Detail, StringComparison.Ordinal);
        Assert.Single(host.Audit.WithAction("elevation.use"));
    }

    [Fact]
    public async Task CallTool_ArgumentsHash_EqualsTheCoresAuditHash()
    {
        var time = new FakeTimeProvider(GateFixture.Start);
        await using var host = await ElevationTestHost.StartAsync(time: time);
        await using var client = await host.ConnectAsync(Carol, "admin");
        var arguments = new Dictionary<string, JsonElement>
        {
            ["reason"] = JsonDocument.Parse("\"GDPR <erasure> request — café\"").RootElement,
            ["id"] = JsonDocument.Parse("\"C042\"").RootElement,
        };

        await client.CallToolAsync(new CallToolRequestParams { Name = TestTools.Read, Arguments = arguments }, Ct);

        Assert.Equal(ElevationArguments.Hash(arguments), host.Audit.WithAction(AuditActions.ToolCall).Single().ArgumentsHash);
    }

    [Fact]
    public async Task CallTool_ReadAndWriteTools_NeedNoElevation()
    {
        await using var host = await ElevationTestHost.StartAsync(time: new FakeTimeProvider(GateFixture.Start));
        await using var client = await host.ConnectAsync("bob", "operator");

        var read = await client.CallToolAsync(TestTools.Read, new Dictionary<string, object?>(), cancellationToken: Ct);
        var write = await client.CallToolAsync(TestTools.Write, Args, cancellationToken: Ct);

        Assert.NotEqual(true, read.IsError);
        Assert.NotEqual(true, write.IsError);
        Assert.DoesNotContain(host.Audit.Records, r => r.Action.StartsWith("elevation.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTool_RawJsonRpc_ErrorIs32042WithUrlInDataAndMessage()
    {
        await using var host = await ElevationTestHost.StartAsync(time: new FakeTimeProvider(GateFixture.Start));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_customer_data","arguments":{"id":"C005"}}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("X-Correlation-ID", "corr-raw-1");

        using var response = await host.SendAsync(request, Carol, "admin");
        var text = await response.Content.ReadAsStringAsync(Ct);
        var json = text.TrimStart().StartsWith('{') ? text : text.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
        using var document = JsonDocument.Parse(json);
        var error = document.RootElement.GetProperty("error");

        Assert.Equal(-32042, error.GetProperty("code").GetInt32());
        var elicitation = error.GetProperty("data").GetProperty("elicitations")[0];
        Assert.Equal("url", elicitation.GetProperty("mode").GetString());
        // The request reference is the server's correlation id, never the one the client chose.
        var ours = Assert.Single(response.Headers.GetValues("X-Correlation-ID"));
        Assert.NotEqual("corr-raw-1", ours);
        Assert.Equal("elev-" + ours, elicitation.GetProperty("elicitationId").GetString());
        var url = elicitation.GetProperty("url").GetString()!;
        Assert.Contains("/dev/pim/approve?user=carol%40example.test&principal=", url, StringComparison.Ordinal);
        Assert.EndsWith("sub-carol%40example.test&scope=delete_customer_data&ref=" + ours, url, StringComparison.Ordinal);
        Assert.Contains(url, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The URL of the error's URL-mode elicitation (the SDK client surfaces -32042 as a typed exception).</summary>
    internal static string ElicitationUrl(McpProtocolException ex)
    {
        var elicitation = Assert.Single(Assert.IsType<UrlElicitationRequiredException>(ex).Elicitations);
        Assert.Equal("url", elicitation.Mode);
        return elicitation.Url!;
    }
}
