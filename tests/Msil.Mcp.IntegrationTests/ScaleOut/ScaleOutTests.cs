using System.Net;
using ModelContextProtocol;
using Npgsql;

namespace Msil.Mcp.IntegrationTests.ScaleOut;

/// <summary>
/// Issue 11's scale-out: three replicas behind a round-robin proxy, no sticky sessions. Run by build/test.sh with the
/// real services; each case is bounded by the test's cancellation and by the clients' own timeouts.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ScaleOutTests(ScaleOutCluster cluster) : IClassFixture<ScaleOutCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Calls_SpreadOverThreeReplicas_AllSucceedWithoutSessionErrors()
    {
        var before = cluster.Proxy.Served.Count;
        await using var client = await cluster.ConnectAsync(cluster.Proxy.Url, "bob");

        for (var round = 0; round < 2; round++)
        {
            var tools = await client.ListToolsAsync(cancellationToken: Ct);
            Assert.Contains(tools, t => t.Name == "create_booking");
            var inventory = await client.CallToolAsync("get_vehicle_inventory", new Dictionary<string, object?>(), cancellationToken: Ct);
            Assert.True(inventory.IsError != true, Text(inventory));
            var enquiries = await client.CallToolAsync("get_dealer_enquiries", new Dictionary<string, object?> { ["id"] = "DL001" }, cancellationToken: Ct);
            Assert.True(enquiries.IsError != true, Text(enquiries));
            var booking = await client.CallToolAsync("create_booking", new Dictionary<string, object?> { ["customer_id"] = "C001", ["vehicle_id"] = "V001", ["dealer_id"] = "DL001" }, cancellationToken: Ct);
            Assert.True(booking.IsError != true, Text(booking));
        }

        var posts = cluster.Proxy.Served.Skip(before).Where(s => s.Method == "POST" && s.Path == "/mcp").ToList();
        Assert.True(posts.Count >= 9, $"{posts.Count} MCP requests went through the proxy");
        Assert.Equal(cluster.Instances.Order(StringComparer.Ordinal), posts.Select(p => p.Backend).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Elevation_GrantedThroughOneReplica_IsHonouredByTheOthers()
    {
        var args = new Dictionary<string, object?> { ["id"] = "C005" };
        string principal;
        await using (var before = await cluster.ConnectAsync(cluster.Instances[2], "carol"))
        {
            var ex = await Assert.ThrowsAnyAsync<McpProtocolException>(() => before.CallToolAsync("delete_customer_data", args, cancellationToken: Ct).AsTask());
            Assert.Equal(McpErrorCode.UrlElicitationRequired, ex.ErrorCode);

            // The approval system learns whom to grant from the elevation URL's principal (issuer and subject).
            principal = Uri.UnescapeDataString(System.Text.RegularExpressions.Regex.Match(ex.Message, "[?&]principal=([^&\\s\"]+)").Groups[1].Value);
        }

        using var grant = new HttpRequestMessage(HttpMethod.Post, $"{cluster.Instances[1]}/api/pim/grants")
        {
            Content = JsonContent.Create(new Dictionary<string, object>
            {
                ["user_id"] = "carol@example.test",
                ["principal_key"] = principal,
                ["scope"] = "delete_customer_data",
                ["approval_reference"] = "PIM-SCALE-1",
                ["expires_at"] = TimeProvider.System.GetUtcNow().AddMinutes(10).ToString("O"),
            }),
        };
        grant.Headers.Authorization = new("Bearer", await cluster.GetTokenAsync("pim-approver"));
        using (var granted = await cluster.Http.SendAsync(grant, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        }

        foreach (var instance in new[] { cluster.Instances[0], cluster.Instances[2] })
        {
            await using var client = await cluster.ConnectAsync(instance, "carol");
            var result = await client.CallToolAsync("delete_customer_data", args, cancellationToken: Ct);
            Assert.NotEqual(true, result.IsError);
        }
    }

    [Fact]
    public async Task RateLimit_ReadBurstOverThreeReplicas_HoldsOnceNotPerReplica()
    {
        var before = cluster.Proxy.Served.Count;
        await using var client = await cluster.ConnectAsync(cluster.Proxy.Url, "alice");
        var args = new Dictionary<string, object?> { ["id"] = "DL002" };

        for (var i = 0; i < ScaleOutCluster.ReadBurst; i++)
        {
            var result = await client.CallToolAsync("get_dealer_enquiries", args, cancellationToken: Ct);
            Assert.NotEqual(true, result.IsError);
        }

        for (var i = 0; i < 3; i++)
        {
            var refused = await Assert.ThrowsAnyAsync<McpProtocolException>(() => client.CallToolAsync("get_dealer_enquiries", args, cancellationToken: Ct).AsTask());
            Assert.Contains("Rate limit exceeded", refused.Message, StringComparison.Ordinal);
            Assert.Contains("Retry in", refused.Message, StringComparison.Ordinal);
        }

        // The refusals came from every replica: none of them still had tokens of its own.
        var posts = cluster.Proxy.Served.Skip(before).Where(s => s.Method == "POST" && s.Path == "/mcp").ToList();
        Assert.Equal(3, posts.TakeLast(3).Select(p => p.Backend).Distinct().Count());
    }

    [Fact]
    public async Task Audit_CallsThroughEachReplica_ShareOnePostgreSqlTable()
    {
        foreach (var instance in cluster.Instances)
        {
            await using var client = await cluster.ConnectAsync(instance, "bob");
            await client.CallToolAsync("get_vehicle_inventory", new Dictionary<string, object?>(), cancellationToken: Ct);
        }

        // Shipping is asynchronous (the outbox); wait for it, bounded.
        long chains = 0;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (chains < 3 && await timer.WaitForNextTickAsync(deadline.Token))
        {
            chains = await CountChainsAsync();
        }

        Assert.Equal(3, chains);
    }

    [Fact]
    public async Task Import_ThroughOneReplica_IsListedByTheOthersWithinASecond()
    {
        var operation = "scaleProbe" + Guid.NewGuid().ToString("N")[..8];
        var spec = """
            {"openapi":"3.0.3","info":{"title":"Scale probe","version":"1.0.0"},
             "paths":{"/probe":{"get":{"operationId":"OPERATION","summary":"Reads the scale probe.",
               "responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"type":"object"}}}}}}}}}
            """.Replace("OPERATION", operation, StringComparison.Ordinal);
        await using var second = await cluster.ConnectAsync(cluster.Instances[1], "carol");
        await using var third = await cluster.ConnectAsync(cluster.Instances[2], "carol");
        var token = await cluster.GetTokenAsync("carol");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{cluster.Instances[0]}/api/mcp/tools/import?source=scale-probe")
        {
            Content = new StringContent(spec, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using var response = await cluster.Http.SendAsync(request, Ct);
        var imported = System.Diagnostics.Stopwatch.StartNew();
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var report = System.Text.Json.JsonDocument.Parse(body);
        var name = report.RootElement.GetProperty("added")[0].GetProperty("name").GetString()!;

        // Poll both other replicas until they list the tool; the time is measured from the import's answer.
        var seen = new Dictionary<string, TimeSpan>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (seen.Count < 2 && !deadline.IsCancellationRequested)
        {
            foreach (var (replica, client) in new[] { ("B", second), ("C", third) })
            {
                if (!seen.ContainsKey(replica) && (await client.ListToolsAsync(cancellationToken: deadline.Token)).Any(t => t.Name == name))
                {
                    seen[replica] = imported.Elapsed;
                }
            }
        }

        Assert.True(seen.Count == 2, $"'{name}' was listed by {seen.Count} of the 2 other replicas within 10 s");
        foreach (var (replica, after) in seen)
        {
            // The goal (within a second) is a measurement reported here, not an assertion that a loaded machine could fail.
            TestContext.Current.TestOutputHelper?.WriteLine($"replica {replica} listed '{name}' after {after.TotalMilliseconds:F0} ms");
        }
    }

    private static string Text(ModelContextProtocol.Protocol.CallToolResult result)
        => string.Join('\n', result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(c => c.Text));

    private async Task<long> CountChainsAsync()
    {
        await using var connection = new NpgsqlConnection(cluster.PostgresConnectionString);
        await connection.OpenAsync(Ct);
        await using var exists = new NpgsqlCommand($"SELECT to_regclass('public.{cluster.AuditTable}') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync(Ct))!)
        {
            return 0;
        }

        await using var count = new NpgsqlCommand($"SELECT count(DISTINCT chain_id) FROM public.{cluster.AuditTable} WHERE tool = 'get_vehicle_inventory'", connection);
        return (long)(await count.ExecuteScalarAsync(Ct))!;
    }
}
