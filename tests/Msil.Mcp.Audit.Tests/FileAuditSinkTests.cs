using System.Text.Json;
using System.Globalization;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.Tests.Support;

namespace Msil.Mcp.Audit.Tests;

public sealed class FileAuditSinkTests : IDisposable
{
    private static readonly DateTimeOffset Day1 = new(2026, 11, 24, 23, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(AuditDurability.Flushed)]
    [InlineData(AuditDurability.Synced)]
    public async Task WriteAsync_Durable_RecordInFileWhenItReturns(AuditDurability durability)
    {
        await using var sink = await Sinks.StartAsync(_dir.Path, o => o.Durability = durability);

        await sink.WriteAsync(Sinks.Record(1), TestContext.Current.CancellationToken);

        var line = Assert.Single(Sinks.Lines(_dir.Path));
        Assert.Contains("\"id\":\"rec-1\"", line, StringComparison.Ordinal);
        Assert.Equal(1, sink.LastSequence);
    }

    [Fact]
    public async Task WriteAsync_FlushedLoneAndConcurrentCallsMixed_ChainGapFreeAndEveryRecordOnce()
    {
        // Lone calls write on the caller's thread, concurrent ones are batched by the writer loop; both paths must
        // share one chain without a gap, a duplicate or a lost record.
        await using var sink = await Sinks.StartAsync(_dir.Path, o => o.Durability = AuditDurability.Flushed);
        var ct = TestContext.Current.CancellationToken;

        for (var i = 0; i < 20; i++)
        {
            await sink.WriteAsync(Sinks.Record(i), ct);
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await sink.WriteAsync(Sinks.Record(1000 + (w * 100) + i), ct);
            }
        }, ct)));

        var lines = Sinks.Lines(_dir.Path);
        Assert.Equal(420, lines.Count);
        Assert.Equal(420, sink.LastSequence);
        Assert.Equal(420, lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).Distinct(StringComparer.Ordinal).Count());
        var verification = AuditLogVerifier.VerifyDirectory(_dir.Path);
        Assert.True(verification.IsValid, verification.ToString());
        Assert.Equal(420, verification.Records);
    }

    [Fact]
    public async Task WriteAsync_Queued_RecordWrittenSoonAfter()
    {
        await using var sink = await Sinks.StartAsync(_dir.Path, o => o.Durability = AuditDurability.Queued);

        await Sinks.WriteAsync(sink, 50);

        await Eventually.TrueAsync(() => sink.LastSequence == 50, TimeSpan.FromSeconds(10), "queued records written");
        Assert.True(AuditLogVerifier.VerifyDirectory(_dir.Path).IsValid);
    }

    [Fact]
    public async Task StartAsync_AfterRestart_ChainContinues()
    {
        await using (var first = await Sinks.StartAsync(_dir.Path))
        {
            await Sinks.WriteAsync(first, 5);
            await first.StopAsync(TestContext.Current.CancellationToken);
        }

        await using var second = await Sinks.StartAsync(_dir.Path);
        await Sinks.WriteAsync(second, 5, start: 6);
        await second.StopAsync(TestContext.Current.CancellationToken);

        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(10, result.Records);
        Assert.Equal(10, second.LastSequence);
    }

    [Fact]
    public async Task StartAsync_TornLastLine_CutOffAndChainContinues()
    {
        await using (var first = await Sinks.StartAsync(_dir.Path))
        {
            await Sinks.WriteAsync(first, 3);
            await first.StopAsync(TestContext.Current.CancellationToken);
        }

        var file = AuditLogVerifier.ChainFiles(_dir.Path).Single();
        File.AppendAllText(file, "{\"seq\":4,\"prev\":\"half-written");

        await using var second = await Sinks.StartAsync(_dir.Path);
        await Sinks.WriteAsync(second, 1, start: 4);
        await second.StopAsync(TestContext.Current.CancellationToken);

        Assert.DoesNotContain("half-written", File.ReadAllText(file), StringComparison.Ordinal);
        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(4, result.Records);
    }

    [Fact]
    public async Task StartAsync_NewDirectory_ChainIdChosenOnceAndKept()
    {
        string id;
        await using (var first = await Sinks.StartAsync(_dir.Path, o => o.ChainId = "replica-7"))
        {
            id = first.ChainId;
            await first.StopAsync(TestContext.Current.CancellationToken);
        }

        await using var second = await Sinks.StartAsync(_dir.Path);

        Assert.Equal("replica-7", id);
        Assert.Equal("replica-7", second.ChainId);
        Assert.Equal("replica-7", File.ReadAllText(Path.Combine(_dir.Path, FileAuditSink.ChainIdFileName)).Trim());
    }

    [Fact]
    public async Task StartAsync_ConfiguredChainIdDiffersFromDirectory_RefusesWithHowToFix()
    {
        await using (var first = await Sinks.StartAsync(_dir.Path, o => o.ChainId = "a"))
        {
            await first.StopAsync(TestContext.Current.CancellationToken);
        }

        await using var second = Sinks.Create(_dir.Path, o => o.ChainId = "b");
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Msil:Mcp:Audit:ChainId", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'a'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_FileFull_RollsOverAndChainSpansFiles()
    {
        await using var sink = await Sinks.StartAsync(_dir.Path, o => o.MaxFileBytes = 64 * 1024);

        await Sinks.WriteAsync(sink, 400);
        await sink.StopAsync(TestContext.Current.CancellationToken);

        Assert.True(AuditLogVerifier.ChainFiles(_dir.Path).Count() >= 3);
        Assert.All(AuditLogVerifier.ChainFiles(_dir.Path).SkipLast(1), f => Assert.InRange(new FileInfo(f).Length, 64 * 1024, (64 * 1024) + 2048));
        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(400, result.Records);
    }

    [Fact]
    public async Task WriteAsync_NextUtcDay_NewFileNamedForTheDay()
    {
        var time = new FakeTimeProvider(Day1);
        await using var sink = await Sinks.StartAsync(_dir.Path, time: time);
        await Sinks.WriteAsync(sink, 2, time: time);

        time.Advance(TimeSpan.FromHours(2));
        await Sinks.WriteAsync(sink, 2, start: 3, time: time);
        await sink.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["audit-20261124-0000.jsonl", "audit-20261125-0000.jsonl"], AuditLogVerifier.ChainFiles(_dir.Path).Select(Path.GetFileName));
        Assert.True(AuditLogVerifier.VerifyDirectory(_dir.Path).IsValid);
    }

    [Fact]
    public async Task WriteAsync_ClockStepsBackADay_FilesStayInChainOrder()
    {
        var time = new FakeTimeProvider(Day1.AddDays(1));
        await using (var sink = await Sinks.StartAsync(_dir.Path, time: time))
        {
            await Sinks.WriteAsync(sink, 2, time: time);
            await sink.StopAsync(TestContext.Current.CancellationToken);
        }

        var earlier = new FakeTimeProvider(Day1);
        await using (var sink = await Sinks.StartAsync(_dir.Path, time: earlier))
        {
            await Sinks.WriteAsync(sink, 2, start: 3, time: earlier);
            await sink.StopAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(["audit-20261125-0000.jsonl"], AuditLogVerifier.ChainFiles(_dir.Path).Select(Path.GetFileName));
        Assert.Equal(4, AuditLogVerifier.VerifyDirectory(_dir.Path).Records);
    }

    [Fact]
    public async Task EnsureWritableAsync_Healthy_CompletesSynchronously()
    {
        await using var sink = await Sinks.StartAsync(_dir.Path);

        var check = sink.EnsureWritableAsync(RiskLevel.Privileged, TestContext.Current.CancellationToken);

        Assert.True(check.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task EnsureWritableAsync_NotStarted_RefusesPrivileged()
    {
        await using var sink = Sinks.Create(_dir.Path, o => o.OutboxFailurePolicy = AuditOutboxFailurePolicy.Allow);

        await Assert.ThrowsAsync<AuditUnavailableException>(() => sink.EnsureWritableAsync(RiskLevel.Privileged, TestContext.Current.CancellationToken).AsTask());
        await sink.EnsureWritableAsync(RiskLevel.Read, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task WriteAsync_FlushedOverlappingCalls_EachReturnsOnlyOnceItsRecordIsInTheFile()
    {
        // Overlapping calls join the gate holder's batch (group commit): a call may return only once its own record
        // has been written and flushed, whichever thread wrote it.
        await using var sink = await Sinks.StartAsync(_dir.Path, o => o.Durability = AuditDurability.Flushed);
        var ct = TestContext.Current.CancellationToken;
        var late = new List<string>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var id = 1000 + (w * 100) + i;
                await sink.WriteAsync(Sinks.Record(id), ct);
                if (!Sinks.Lines(_dir.Path).Any(l => l.Contains($"\"id\":\"rec-{id}\"", StringComparison.Ordinal)))
                {
                    lock (late)
                    {
                        late.Add("rec-" + id);
                    }
                }
            }
        }, ct)));

        Assert.Empty(late);
        var verification = AuditLogVerifier.VerifyDirectory(_dir.Path);
        Assert.True(verification.IsValid, verification.ToString());
        Assert.Equal(200, verification.Records);
        Assert.Equal(200, sink.LastSequence);
    }

    [Fact]
    public async Task WriteAsync_FlushedOverlappingCallsWhileUnwritable_EveryCallEndsAndOnlyWrittenRecordsSucceed()
    {
        // A failed batch fails its callers and nobody waits forever; a call that returned normally has its record in
        // the chain, and one that threw has not; once writable again the chain continues without a gap.
        var time = new FakeTimeProvider(Day1);
        await using var sink = await Sinks.StartAsync(_dir.Path, o => o.Durability = AuditDurability.Flushed, time);
        var ct = TestContext.Current.CancellationToken;
        await Sinks.WriteAsync(sink, 3, time: time);
        var blocker = BlockNextDay(time);
        var succeeded = new List<string>();

        async Task WriteManyAsync(int first)
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 10; i++)
                {
                    var id = first + (w * 100) + i;
                    try
                    {
                        await sink.WriteAsync(Sinks.Record(id, time), ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), ct);
                        lock (succeeded)
                        {
                            succeeded.Add("rec-" + id);
                        }
                    }
                    catch (AuditUnavailableException)
                    {
                        // expected while the day's file cannot be opened
                    }
                }
            }, ct)));
        }

        await WriteManyAsync(10_000);
        Assert.Empty(succeeded);

        Directory.Delete(blocker);
        time.Advance(TimeSpan.FromSeconds(2));
        await sink.EnsureWritableAsync(RiskLevel.Privileged, ct);
        await WriteManyAsync(20_000);

        var ids = Sinks.Lines(_dir.Path).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!).ToList();
        string[] expected = ["rec-1", "rec-2", "rec-3", .. succeeded.Order(StringComparer.Ordinal)];
        string[] actual = [.. ids.Take(3), .. ids.Skip(3).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, actual);
        Assert.Equal(83, ids.Count);
        var verification = AuditLogVerifier.VerifyDirectory(_dir.Path);
        Assert.True(verification.IsValid, verification.ToString());
    }

    [Theory]
    [InlineData(AuditOutboxFailurePolicy.Allow, RiskLevel.Privileged, true)]
    [InlineData(AuditOutboxFailurePolicy.Allow, RiskLevel.Write, false)]
    [InlineData(AuditOutboxFailurePolicy.Allow, RiskLevel.Read, false)]
    [InlineData(AuditOutboxFailurePolicy.Refuse, RiskLevel.Privileged, true)]
    [InlineData(AuditOutboxFailurePolicy.Refuse, RiskLevel.Read, true)]
    public async Task EnsureWritableAsync_OutboxUnwritable_RefusesPerPolicyAndAlwaysForPrivileged(AuditOutboxFailurePolicy policy, RiskLevel risk, bool refused)
    {
        var time = new FakeTimeProvider(Day1);
        await using var sink = await Sinks.StartAsync(_dir.Path, o => o.OutboxFailurePolicy = policy, time);
        await Sinks.WriteAsync(sink, 1, time: time);
        BlockNextDay(time);

        await Assert.ThrowsAsync<AuditUnavailableException>(() => sink.WriteAsync(Sinks.Record(2, time), TestContext.Current.CancellationToken).AsTask());
        var check = sink.EnsureWritableAsync(risk, TestContext.Current.CancellationToken).AsTask();

        if (refused)
        {
            var ex = await Assert.ThrowsAsync<AuditUnavailableException>(() => check);
            Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
        }
        else
        {
            await check;
        }

        Assert.True(sink.IsFaulted);
    }

    [Fact]
    public async Task EnsureWritableAsync_OutboxWritableAgain_RecoversAndChainContinues()
    {
        var time = new FakeTimeProvider(Day1);
        await using var sink = await Sinks.StartAsync(_dir.Path, time: time);
        await Sinks.WriteAsync(sink, 3, time: time);
        var blocker = BlockNextDay(time);
        await Assert.ThrowsAsync<AuditUnavailableException>(() => sink.WriteAsync(Sinks.Record(4, time), TestContext.Current.CancellationToken).AsTask());

        Directory.Delete(blocker);
        time.Advance(TimeSpan.FromSeconds(2));
        await sink.EnsureWritableAsync(RiskLevel.Privileged, TestContext.Current.CancellationToken);
        await Sinks.WriteAsync(sink, 2, start: 5, time: time);
        await sink.StopAsync(TestContext.Current.CancellationToken);

        Assert.False(sink.IsFaulted);
        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(5, result.Records);
    }

    [Fact]
    public async Task WriteAsync_Records_CountedInEventsMetric()
    {
        var meters = Sinks.MeterFactory;
        using var events = new MetricCollector<long>(meters, AuditTelemetry.Name, AuditTelemetry.EventsInstrument);
        await using var sink = Sinks.Create(_dir.Path, meters: meters);
        await sink.StartAsync(TestContext.Current.CancellationToken);

        await Sinks.WriteAsync(sink, 7);

        Assert.Equal(7, events.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task WriteAsync_AfterStop_ThrowsAuditUnavailable()
    {
        await using var sink = await Sinks.StartAsync(_dir.Path);
        await sink.StopAsync(TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<AuditUnavailableException>(() => sink.WriteAsync(Sinks.Record(1), TestContext.Current.CancellationToken).AsTask());
    }

    /// <summary>Moves the clock to the next day and puts a directory where that day's file would go, so opening it fails.</summary>
    private string BlockNextDay(FakeTimeProvider time)
    {
        time.Advance(TimeSpan.FromHours(2));
        var day = time.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var blocker = Path.Combine(_dir.Path, $"audit-{day}-0000.jsonl");
        Directory.CreateDirectory(blocker);
        return blocker;
    }
}
