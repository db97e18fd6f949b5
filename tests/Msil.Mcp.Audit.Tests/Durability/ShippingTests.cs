using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.Query;
using Msil.Mcp.Audit.Tests.S3;
using Msil.Mcp.Audit.Tests.Support;

namespace Msil.Mcp.Audit.Tests.Durability;

/// <summary>
/// The outbox and its shippers against real PostgreSQL and s3rver: outages of both (simulated by cutting a TCP proxy
/// of the test's own, never by stopping the shared services), restarts, and the query API over the table.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ShippingTests(PostgresDatabase db, ITestOutputHelper output) : IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _table = "audit_" + Guid.NewGuid().ToString("N")[..8];
    private readonly AuditS3Options _s3 = TestServices.S3();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Shipping_PostgresAndS3CutMidLoad_NothingLostNothingDuplicated()
    {
        const int Total = 1500;
        await using var pgProxy = new TcpProxy("127.0.0.1", new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString).Port);
        await using var s3Proxy = new TcpProxy(_s3.ServiceUrl!);
        await using var host = await AuditTestHost.StartAsync(_dir.Path, o =>
        {
            o.PostgreSql.ConnectionString = db.Through(pgProxy.Port);
            o.PostgreSql.TableName = _table;
            o.PostgreSql.BatchMaxRecords = 100;
            S3AuditTests.Copy(_s3, o.S3);
            o.S3.ServiceUrl = s3Proxy.Url;
            o.S3.BatchMaxRecords = 50;
            o.S3.BatchMaxAge = TimeSpan.FromMilliseconds(200);
        });
        using var failures = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), AuditTelemetry.Name, AuditTelemetry.ShipFailuresInstrument);
        var audit = host.Services.GetRequiredService<IAuditSink>();
        var next = 0;
        var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) <= Total)
            {
                await audit.WriteAsync(Sinks.Record(i), Ct);
                await Task.Delay(5, Ct);
            }
        })).ToArray();

        await Eventually.TrueAsync(() => host.Sink.LastSequence >= 300 && host.PostgresShipper.ShippedSequence > 0 && host.S3Shipper.ShippedSequence > 0, TimeSpan.FromSeconds(30), "300 records written and both targets shipping");
        pgProxy.Cut();
        s3Proxy.Cut();
        var atCut = host.Sink.LastSequence;
        await Eventually.TrueAsync(() => host.Sink.LastSequence >= Math.Min(Total, atCut + 300), TimeSpan.FromSeconds(30), "the call path kept writing while both targets were down");
        await Task.Delay(1500, Ct);
        var shippedDuringOutage = (host.PostgresShipper.ShippedSequence, host.S3Shipper.ShippedSequence);
        var writtenDuringOutage = host.Sink.LastSequence;
        pgProxy.Restore();
        s3Proxy.Restore();
        await Task.WhenAll(writers);
        await host.ShippedAsync(TimeSpan.FromSeconds(90));
        output.WriteLine($"cut after {atCut} records; {writtenDuringOutage} written and ({shippedDuringOutage.Item1}, {shippedDuringOutage.Item2}) shipped (pg, s3) when restored; {failures.GetMeasurementSnapshot().Sum(m => m.Value)} failed attempts");

        Assert.True(shippedDuringOutage.Item1 < writtenDuringOutage && shippedDuringOutage.Item2 < writtenDuringOutage, "the outage held shipping back");
        Assert.True(failures.GetMeasurementSnapshot().Sum(m => m.Value) > 0);
        Assert.Equal(Total, host.Sink.LastSequence);
        Assert.Equal(Total, await db.ScalarAsync($"SELECT count(*) FROM {_table}"));
        Assert.Equal(Total, await db.ScalarAsync($"SELECT count(DISTINCT seq) FROM {_table}"));
        var pg = await AuditLogVerifier.VerifyPostgreSqlAsync(new AuditPostgreSqlOptions { ConnectionString = db.ConnectionString, TableName = _table }, Ct);
        Assert.True(pg.IsValid, pg.Problem);
        Assert.Equal(Total, pg.Records);
        var s3 = await AuditLogVerifier.VerifyS3Async(_s3, Ct);
        Assert.True(s3.IsValid, s3.Problem);
        Assert.Equal(Total, s3.Records);
        Assert.Equal(Total, AuditLogVerifier.VerifyDirectory(_dir.Path).Records);
        var ids = Sinks.Lines(_dir.Path).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).ToHashSet();
        Assert.Equal(Total, ids.Count);
    }

    [Fact]
    public async Task Shipping_HostRestarted_ResumesFromItsCheckpointsWithoutDuplicates()
    {
        for (var run = 0; run < 2; run++)
        {
            await using var host = await AuditTestHost.StartAsync(_dir.Path, o =>
            {
                o.PostgreSql.ConnectionString = db.ConnectionString;
                o.PostgreSql.TableName = _table;
                S3AuditTests.Copy(_s3, o.S3);
                o.S3.BatchMaxRecords = 30;
                o.S3.BatchMaxAge = TimeSpan.FromMilliseconds(200);
            });
            var audit = host.Services.GetRequiredService<IAuditSink>();
            for (var i = 1; i <= 100; i++)
            {
                await audit.WriteAsync(Sinks.Record((run * 100) + i), Ct);
            }

            await host.ShippedAsync(TimeSpan.FromSeconds(60));
            await host.StopAsync();
        }

        Assert.True(File.Exists(ShipCheckpoint.PathOf(_dir.Path, "postgresql")));
        Assert.True(File.Exists(ShipCheckpoint.PathOf(_dir.Path, "s3")));
        Assert.Equal(200, await db.ScalarAsync($"SELECT count(*) FROM {_table}"));
        Assert.Equal(200, (await AuditLogVerifier.VerifyPostgreSqlAsync(new AuditPostgreSqlOptions { ConnectionString = db.ConnectionString, TableName = _table }, Ct)).Records);
        var s3 = await AuditLogVerifier.VerifyS3Async(_s3, Ct);
        Assert.True(s3.IsValid, s3.Problem);
        Assert.Equal(200, s3.Records);
    }

    [Fact]
    public async Task Shipping_StartedWhilePostgresDown_ShipsOnceItIsBack()
    {
        await using var pgProxy = new TcpProxy("127.0.0.1", new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString).Port);
        pgProxy.Cut();
        await using var host = await AuditTestHost.StartAsync(_dir.Path, o =>
        {
            o.PostgreSql.ConnectionString = db.Through(pgProxy.Port);
            o.PostgreSql.TableName = _table;
        });
        var audit = host.Services.GetRequiredService<IAuditSink>();

        for (var i = 1; i <= 20; i++)
        {
            await audit.WriteAsync(Sinks.Record(i), Ct);
        }

        await Task.Delay(1000, Ct);
        Assert.True(host.PostgresShipper.ShippedSequence <= 0);
        pgProxy.Restore();
        await host.ShippedAsync(TimeSpan.FromSeconds(60), s3: false);

        Assert.Equal(20, await db.ScalarAsync($"SELECT count(*) FROM {_table}"));
    }

    [Fact]
    public async Task Query_WithPostgres_AnswersFromTheTableWithPaging()
    {
        await using var host = await AuditTestHost.StartAsync(_dir.Path, o =>
        {
            o.PostgreSql.ConnectionString = db.ConnectionString;
            o.PostgreSql.TableName = _table;
        });
        var audit = host.Services.GetRequiredService<IAuditSink>();
        for (var i = 1; i <= 9; i++)
        {
            await audit.WriteAsync(Sinks.Record(i, user: i % 3 == 0 ? "bob" : "alice", allow: i != 6), Ct);
        }

        await host.ShippedAsync(TimeSpan.FromSeconds(60), s3: false);

        var bob = await QueryAsync(host, "?user=bob");
        Assert.Equal("postgres", bob.GetProperty("store").GetString());
        Assert.Equal(["rec-9", "rec-6", "rec-3"], Ids(bob));
        Assert.Equal(3, bob.GetProperty("total").GetInt64());
        Assert.Equal(["rec-6"], Ids(await QueryAsync(host, "?user=bob&decision=deny")));
        var first = await QueryAsync(host, "?user=alice&page_size=4");
        var second = await QueryAsync(host, "?user=alice&page_size=4&page=2");
        Assert.Equal(["rec-8", "rec-7", "rec-5", "rec-4"], Ids(first));
        Assert.Equal(["rec-2", "rec-1"], Ids(second));
        Assert.Equal(6, second.GetProperty("total").GetInt64());
        Assert.Equal(["rec-5"], Ids(await QueryAsync(host, "?correlation_id=corr-5")));
        Assert.Equal(["rec-2"], Ids(await QueryAsync(host, "?user=alice&store=files&correlation_id=corr-2")));
    }

    [Fact]
    public async Task RecordAndVerify_WithPostgresAndS3_ReadFromTheTableAndVerifyEveryCopy()
    {
        await using var host = await AuditTestHost.StartAsync(_dir.Path, o =>
        {
            o.PostgreSql.ConnectionString = db.ConnectionString;
            o.PostgreSql.TableName = _table;
            S3AuditTests.Copy(_s3, o.S3);
            o.S3.BatchMaxRecords = 5;
            o.S3.BatchMaxAge = TimeSpan.FromMilliseconds(200);
        });
        var audit = host.Services.GetRequiredService<IAuditSink>();
        for (var i = 1; i <= 10; i++)
        {
            await audit.WriteAsync(Sinks.Record(i) with { DecisionId = "dec-" + i }, Ct);
        }

        await host.ShippedAsync(TimeSpan.FromSeconds(60));

        var record = await QueryAsync(host, "/3");
        Assert.Equal("rec-3", record.GetProperty("record").GetProperty("id").GetString());
        Assert.True(record.GetProperty("hash_verified").GetBoolean());
        Assert.Equal(["rec-7"], Ids(await QueryAsync(host, "?decision_id=dec-7")));
        foreach (var store in new[] { "files", "postgres", "s3" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, AuditQueryEndpoints.Path + "/verify") { Content = new StringContent($"{{\"store\":\"{store}\"}}", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add(Msil.Mcp.Testing.TestAuthenticationDefaults.HeaderName, Msil.Mcp.Testing.TestCaller.Create("root", "admin").ToHeaderValue());
            using var response = await host.Http.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            using var body = JsonDocument.Parse(text);
            Assert.True(body.RootElement.GetProperty("ok").GetBoolean(), text);
            Assert.True(body.RootElement.GetProperty("records_checked").GetInt64() >= 10, text);
            output.WriteLine($"verify {store}: {text}");
        }

        using var export = await host.GetAsync(AuditQueryEndpoints.Path + "/export?action=tool.call", "root", "admin");
        Assert.Equal("10", export.Headers.GetValues("X-Audit-Total").Single());
        Assert.Equal(10, (await export.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static async Task<JsonElement> QueryAsync(AuditTestHost host, string query)
    {
        using var response = await host.GetAsync(AuditQueryEndpoints.Path + query, "root", "admin");
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    private static List<string> Ids(JsonElement page)
        => page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).Where(id => id.StartsWith("rec-", StringComparison.Ordinal)).ToList();
}
