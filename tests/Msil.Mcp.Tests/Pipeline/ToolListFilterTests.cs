using System.Globalization;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary><c>tools/list</c> in pages: cursors, the policy filter on every page, caching hints.</summary>
public sealed class ToolListFilterTests
{
    private const int CatalogSize = 2500;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Name(int i) => "tool_" + i.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>A host with <see cref="CatalogSize"/> tools; a viewer may see the tools whose number is not a multiple of 3, an admin all.</summary>
    private static Task<TestHost> StartAsync(int pageSize, int ttlSeconds = 0)
        => TestHost.StartAsync(
            mcp =>
            {
                mcp.UsePolicyDecisionPoint<EveryThirdHiddenPolicy>();
                mcp.AddTools("bulk", [.. Enumerable.Range(0, CatalogSize).Select(i => Tools.Define(Name(i), RiskLevel.Read))]);
            },
            o =>
            {
                o.ToolsListPageSize = pageSize;
                o.ToolsListTtlSeconds = ttlSeconds;
            });

    private static IEnumerable<string> AllowedForViewer()
        => Enumerable.Range(0, CatalogSize).Where(i => i % 3 != 0).Select(Name);

    [Fact]
    public async Task ListToolsAsync_SdkClientPagedCatalog_ReadsEveryAllowedToolOnceAndNoOther()
    {
        await using var host = await StartAsync(pageSize: 150);
        await using var client = await host.ConnectAsync("bob", "viewer");

        var tools = await client.ListToolsAsync(cancellationToken: Ct);

        Assert.Equal(AllowedForViewer(), tools.Select(t => t.Name));
    }

    [Fact]
    public async Task ListToolsAsync_PageSize_EachPageHoldsThatManyAllowedToolsAndTheLastHasNoCursor()
    {
        await using var host = await StartAsync(pageSize: 150);
        await using var client = await host.ConnectAsync("bob", "viewer");
        var pages = new List<ListToolsResult>();
        string? cursor = null;
        do
        {
            var page = await client.ListToolsAsync(new ListToolsRequestParams { Cursor = cursor }, Ct);
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null && pages.Count < 100);

        var allowed = AllowedForViewer().Count();
        Assert.Equal((allowed + 149) / 150, pages.Count);
        Assert.All(pages.SkipLast(1), p => Assert.Equal(150, p.Tools.Count));
        Assert.Null(pages[^1].NextCursor);
        Assert.Equal(AllowedForViewer(), pages.SelectMany(p => p.Tools).Select(t => t.Name));
    }

    [Fact]
    public async Task ListToolsAsync_DefaultPageSize_OnePageWithoutCursor()
    {
        await using var host = await StartAsync(pageSize: 0);
        await using var client = await host.ConnectAsync("carol", "admin");

        var page = await client.ListToolsAsync(new ListToolsRequestParams(), Ct);

        Assert.Equal(CatalogSize, page.Tools.Count);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task ListToolsAsync_TamperedCursor_Refused32602()
    {
        await using var host = await StartAsync(pageSize: 100);
        await using var client = await host.ConnectAsync("bob", "viewer");
        var first = await client.ListToolsAsync(new ListToolsRequestParams(), Ct);
        var cursor = first.NextCursor!;
        var tampered = cursor[..^2] + (cursor[^2] == 'A' ? 'B' : 'A') + cursor[^1];

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.ListToolsAsync(new ListToolsRequestParams { Cursor = tampered }, Ct).AsTask());
        var crafted = await Assert.ThrowsAsync<McpProtocolException>(() => client.ListToolsAsync(new ListToolsRequestParams { Cursor = "tool_2000" }, Ct).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.Contains("Invalid cursor", ex.Message, StringComparison.Ordinal);
        Assert.Equal(McpErrorCode.InvalidParams, crafted.ErrorCode);
    }

    [Fact]
    public async Task ListToolsAsync_CursorOfAnotherCaller_Refused32602()
    {
        await using var host = await StartAsync(pageSize: 100);
        await using var admin = await host.ConnectAsync("carol", "admin");
        await using var viewer = await host.ConnectAsync("bob", "viewer");
        var adminCursor = (await admin.ListToolsAsync(new ListToolsRequestParams(), Ct)).NextCursor;

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => viewer.ListToolsAsync(new ListToolsRequestParams { Cursor = adminCursor }, Ct).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.Contains("another caller", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListToolsAsync_CatalogChangedBetweenPages_NextPageStartsAfterTheLastNameInTheNewCatalog()
    {
        await using var host = await StartAsync(pageSize: 100);
        await using var client = await host.ConnectAsync("carol", "admin");
        var first = await client.ListToolsAsync(new ListToolsRequestParams(), Ct);
        Assert.Equal(Name(99), first.Tools[^1].Name);

        // A tool that sorts before the cursor and one that sorts right after it arrive; the page after the cursor
        // continues by name in the catalog served now.
        host.Services.GetRequiredService<IToolCatalogWriter>().ReplaceSource("late", [Tools.Define("aaa_late", RiskLevel.Read), Tools.Define(Name(99) + "_late", RiskLevel.Read)]);
        var second = await client.ListToolsAsync(new ListToolsRequestParams { Cursor = first.NextCursor }, Ct);

        Assert.Equal([Name(99) + "_late", .. Enumerable.Range(100, 99).Select(Name)], second.Tools.Select(t => t.Name));
    }

    [Fact]
    public async Task ListToolsAsync_Revision20260728_PrivateScopeAndConfiguredTtl()
    {
        await using var host = await StartAsync(pageSize: 0, ttlSeconds: 45);
        await using var modern = await host.ConnectAsync(new McpClientOptions { ProtocolVersion = "2026-07-28" }, "bob", "viewer");
        await using var older = await host.ConnectAsync(new McpClientOptions { ProtocolVersion = "2025-11-25" }, "bob", "viewer");

        var page = await modern.ListToolsAsync(new ListToolsRequestParams(), Ct);
        var olderPage = await older.ListToolsAsync(new ListToolsRequestParams(), Ct);

        Assert.Equal(TimeSpan.FromSeconds(45), page.TimeToLive);
        Assert.Equal(CacheScope.Private, page.CacheScope);
        Assert.Null(olderPage.TimeToLive);
        Assert.Null(olderPage.CacheScope);
        Assert.Equal(AllowedForViewer(), page.Tools.Select(t => t.Name));
    }

    [Theory]
    [InlineData(-1, 0, "Msil:Mcp:ToolsListPageSize")]
    [InlineData(10_001, 0, "Msil:Mcp:ToolsListPageSize")]
    [InlineData(0, -1, "Msil:Mcp:ToolsListTtlSeconds")]
    public async Task Start_ListOptionOutOfRange_FailsNamingTheKey(int pageSize, int ttlSeconds, string key)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(options: o =>
        {
            o.ToolsListPageSize = pageSize;
            o.ToolsListTtlSeconds = ttlSeconds;
        }));

        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    private sealed class EveryThirdHiddenPolicy : IPolicyDecisionPoint
    {
        public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
        {
            var name = request.Tool.Name;
            var hidden = name.StartsWith("tool_", StringComparison.Ordinal) && int.Parse(name.AsSpan(5, 4), CultureInfo.InvariantCulture) % 3 == 0;
            var allow = request.User.Roles.Contains("admin") || !hidden;
            return new(allow ? PolicyDecision.Allowed("allowed by the test policy", "test") : PolicyDecision.Denied("hidden from viewers", "test"));
        }
    }
}
