using System.Net;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation.Tests.EndToEnd;
using Msil.Mcp.Elevation.Tests.Support;

namespace Msil.Mcp.Elevation.Tests.Redis;

/// <summary>
/// Real hosts with the Redis store: two instances sharing grants, a single-use grant raced across both, and a Redis that
/// stops mid-test (a throwaway redis-server of the test's own, never the shared one).
/// </summary>
[Trait("Category", "Integration")]
public sealed class RedisElevationHostTests
{
    private const string Carol = "carol@example.test";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, object?> Args = new() { ["id"] = "C042" };

    private static Task<ElevationTestHost> StartRedisHostAsync(string connectionString, string prefix)
        => ElevationTestHost.StartAsync(o =>
        {
            o.Store = ElevationGrantStoreKind.Redis;
            o.RedisConnectionString = connectionString;
            o.RedisKeyPrefix = prefix;
            o.RedisTimeout = TimeSpan.FromSeconds(1);
        });

    [Fact]
    public async Task TwoInstances_GrantThroughOne_PrivilegedCallThroughTheOtherSucceeds()
    {
        var prefix = SharedRedis.UniquePrefix();
        await using var a = await StartRedisHostAsync(SharedRedis.ConnectionString, prefix);
        await using var b = await StartRedisHostAsync(SharedRedis.ConnectionString, prefix);
        await using var clientA = await a.ConnectAsync(Carol, "admin");
        await using var clientB = await b.ConnectAsync(Carol, "admin");

        using (var granted = await a.GrantAsync(Carol, TestTools.Privileged, TimeProvider.System.GetUtcNow().AddMinutes(5)))
        {
            Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        }

        var throughB = await clientB.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct);
        using (var revoked = await b.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/pim/grants/{Uri.EscapeDataString(ElevationTestHost.PrincipalOf(Carol))}/{TestTools.Privileged}"), "pim-system", ElevationTestHost.ApproverRole))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        var throughA = await Assert.ThrowsAnyAsync<McpProtocolException>(() => clientA.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct).AsTask());

        Assert.NotEqual(true, throughB.IsError);
        Assert.Equal(1, b.Executor.Runs(TestTools.Privileged));
        Assert.Equal(McpErrorCode.UrlElicitationRequired, throughA.ErrorCode);
        Assert.Equal(0, a.Executor.Runs(TestTools.Privileged));
    }

    [Fact]
    public async Task TwoInstances_SingleUseGrantRacedByTwentyCalls_SucceedsExactlyOnce()
    {
        var prefix = SharedRedis.UniquePrefix();
        await using var a = await StartRedisHostAsync(SharedRedis.ConnectionString, prefix);
        await using var b = await StartRedisHostAsync(SharedRedis.ConnectionString, prefix);
        await using var clientA = await a.ConnectAsync(Carol, "admin");
        await using var clientB = await b.ConnectAsync(Carol, "admin");
        (await a.GrantAsync(Carol, TestTools.Privileged, TimeProvider.System.GetUtcNow().AddMinutes(5), singleUse: true, arguments: Args)).Dispose();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var calls = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            await start.Task;
            try
            {
                var result = await (i % 2 == 0 ? clientA : clientB).CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct);
                return result.IsError == true ? "tool_error" : "success";
            }
            catch (McpProtocolException ex)
            {
                return ex.ErrorCode == McpErrorCode.UrlElicitationRequired ? "elicitation" : "other: " + ex.Message;
            }
        })).ToArray();
        start.SetResult();
        var outcomes = await Task.WhenAll(calls);

        Assert.Equal(1, outcomes.Count(o => o == "success"));
        Assert.True(19 == outcomes.Count(o => o == "elicitation"), string.Join(" | ", outcomes));
        Assert.Equal(1, a.Executor.Runs(TestTools.Privileged) + b.Executor.Runs(TestTools.Privileged));
    }

    [Fact]
    public async Task RedisStoppedMidTest_PrivilegedRefusedWithReason_ReadAndWriteUnaffected()
    {
        using var redis = await ThrowawayRedis.StartAsync();
        await using var host = await StartRedisHostAsync(redis.ConnectionString, SharedRedis.UniquePrefix());
        await using var client = await host.ConnectAsync(Carol, "admin");
        (await host.GrantAsync(Carol, TestTools.Privileged, TimeProvider.System.GetUtcNow().AddMinutes(5))).Dispose();
        var before = await client.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct);
        Assert.NotEqual(true, before.IsError);

        redis.Kill();
        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct).AsTask());
        var read = await client.CallToolAsync(TestTools.Read, new Dictionary<string, object?>(), cancellationToken: Ct);
        var write = await client.CallToolAsync(TestTools.Write, Args, cancellationToken: Ct);
        using var check = await host.PostJsonAsync("/api/pim/check-elevation", new { scope = TestTools.Privileged }, Carol, "admin");
        using var grant = await host.GrantAsync(Carol, TestTools.Privileged, TimeProvider.System.GetUtcNow().AddMinutes(5));

        Assert.Equal(McpErrorCode.InvalidRequest, refused.ErrorCode);
        Assert.Contains("the elevation grant store cannot be reached", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, host.Executor.Runs(TestTools.Privileged));
        Assert.NotEqual(true, read.IsError);
        Assert.NotEqual(true, write.IsError);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, check.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, grant.StatusCode);
        Assert.Contains(host.Audit.WithAction("elevation.refuse"), r => r.Outcome == "store_unavailable" && r.ToolName == TestTools.Privileged);
        Assert.Equal(AuditOutcomes.Denied, host.Audit.WithAction(AuditActions.ToolCall).Single(r => r.ToolName == TestTools.Privileged && r.Outcome != AuditOutcomes.Success).Outcome);
    }

    [Fact]
    public async Task RedisUnreachableFromStart_PrivilegedRefusedQuickly()
    {
        var closedPort = Msil.Mcp.Testing.LoopbackPorts.Free();
        await using var host = await StartRedisHostAsync($"127.0.0.1:{closedPort}", SharedRedis.UniquePrefix());
        await using var client = await host.ConnectAsync(Carol, "admin");
        var started = TimeProvider.System.GetTimestamp();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct).AsTask());
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        var read = await client.CallToolAsync(TestTools.Read, new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.Contains("the elevation grant store cannot be reached", refused.Message, StringComparison.Ordinal);
        Assert.InRange(elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.NotEqual(true, read.IsError);
    }

    [Fact]
    public async Task EndToEnd_RedisStore_ElicitationThenGrantThenSuccess()
    {
        await using var host = await StartRedisHostAsync(SharedRedis.ConnectionString, SharedRedis.UniquePrefix());
        await using var client = await host.ConnectAsync(Carol, "admin");

        var first = await Assert.ThrowsAnyAsync<McpProtocolException>(() => client.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct).AsTask());
        (await host.GrantAsync(Carol, TestTools.Privileged, TimeProvider.System.GetUtcNow().AddMinutes(5))).Dispose();
        var second = await client.CallToolAsync(TestTools.Privileged, Args, cancellationToken: Ct);

        Assert.Equal(McpErrorCode.UrlElicitationRequired, first.ErrorCode);
        Assert.Contains("/dev/pim/approve", ElevationEndToEndTests.ElicitationUrl(first), StringComparison.Ordinal);
        Assert.NotEqual(true, second.IsError);
    }
}
