using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Msil.Mcp.Audit.Tests.Support;

namespace Msil.Mcp.Audit.Tests.Durability;

/// <summary>
/// A load of calls against a child process (<see cref="CrashHost"/>) that is killed with SIGKILL mid-load and
/// restarted: afterwards every answered call has exactly one record, the chain verifies, and PostgreSQL and S3 hold
/// the same records once each.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CrashTests(PostgresDatabase db, ITestOutputHelper output) : IClassFixture<PostgresDatabase>, IDisposable
{
    private const int Clients = 6;
    private const int KillAfter = 400;
    private const int Target = 1200;
    private readonly TempDirectory _dir = new();
    private readonly string _prefix = TestServices.UniquePrefix();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Load_ServerKilledWithSigkillAndRestarted_EveryAnsweredCallRecordedOnceAndChainsVerify()
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(TimeSpan.FromMinutes(5));
        var ct = bound.Token;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var child = await StartChildAsync(http, ct);
        var answered = new ConcurrentDictionary<string, byte>();
        var sent = new ConcurrentDictionary<string, byte>();
        var inFlight = 0;
        var next = 0;
        var killedWithInFlight = -1;
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                var id = "call-" + Interlocked.Increment(ref next);
                sent[id] = 0;
                Interlocked.Increment(ref inFlight);
                try
                {
                    using var response = await http.PostAsync($"{Volatile.Read(ref child).BaseUrl}/call?id={id}", null, ct);
                    if (response.IsSuccessStatusCode && await response.Content.ReadAsStringAsync(ct) == "ok:" + id)
                    {
                        answered[id] = 0;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    // The server is down: the client saw no answer.
                    await Task.Delay(20, ct);
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
            }
        }, ct)).ToArray();

        try
        {
            await Eventually.TrueAsync(() => answered.Count >= KillAfter, TimeSpan.FromSeconds(120), $"{KillAfter} calls answered");
            killedWithInFlight = Volatile.Read(ref inFlight);
            child.Kill();
            var answeredAtKill = answered.Count;
            Volatile.Write(ref child, await StartChildAsync(http, ct));
            await Eventually.TrueAsync(() => answered.Count >= Target, TimeSpan.FromSeconds(120), $"{Target} calls answered");
            stop.Cancel();
            await Task.WhenAll(clients);
            output.WriteLine($"killed after {answeredAtKill} answered calls with {killedWithInFlight} in flight; {answered.Count} answered of {sent.Count} sent in all");

            // Let the restarted server ship everything, then kill it too.
            (long Last, long Postgres, long S3) status = default;
            try
            {
                await Eventually.TrueAsync(async () => (status = await child.StatusAsync(http, ct)) is var (last, pg, s3) && pg == last && s3 == last, TimeSpan.FromSeconds(90), "the restarted server shipped every record");
            }
            finally
            {
                output.WriteLine($"restarted server: last record {status.Last}, shipped to postgresql {status.Postgres}, to s3 {status.S3}");
                if (status.Postgres != status.Last || status.S3 != status.Last)
                {
                    foreach (var line in child.Log.Where(l => l.Length > 0).TakeLast(40))
                    {
                        output.WriteLine("  restarted server: " + line);
                    }
                }
            }
        }
        finally
        {
            stop.Cancel();
            Volatile.Read(ref child).Kill();
        }

        var verified = AuditLogVerifier.VerifyDirectory(_dir.Path);
        Assert.True(verified.IsValid, verified.Problem);
        var recorded = Sinks.Lines(_dir.Path).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("correlation_id").GetString()!).ToList();
        output.WriteLine($"{recorded.Count} records; {answered.Count} answered calls");

        Assert.Equal(recorded.Count, recorded.Distinct().Count());
        Assert.All(answered.Keys, id => Assert.Contains(id, recorded));
        Assert.All(recorded, id => Assert.True(sent.ContainsKey(id), $"record for {id}, which no client sent"));

        // A call whose record was flushed just before the kill may not have had its answer delivered: recorded, not
        // answered. Each client has at most one call in flight, so at most that many.
        Assert.InRange(recorded.Count - answered.Count, 0, Clients);
        Assert.Equal(recorded.Count, verified.Records);
        Assert.Equal(recorded.Count, await db.ScalarAsync("SELECT count(*) FROM audit_events"));
        Assert.Equal(recorded.Count, await db.ScalarAsync("SELECT count(DISTINCT seq) FROM audit_events"));
        var pg = await AuditLogVerifier.VerifyPostgreSqlAsync(new AuditPostgreSqlOptions { ConnectionString = db.ConnectionString }, TestContext.Current.CancellationToken);
        Assert.True(pg.IsValid, pg.Problem);
        var s3 = await AuditLogVerifier.VerifyS3Async(TestServices.S3(_prefix), TestContext.Current.CancellationToken);
        Assert.True(s3.IsValid, s3.Problem);
        Assert.Equal(recorded.Count, s3.Records);
    }

    private async Task<Child> StartChildAsync(HttpClient http, CancellationToken ct)
    {
        var port = Msil.Mcp.Testing.LoopbackPorts.Free();
        var start = new ProcessStartInfo(DotNet())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { typeof(CrashHost).Assembly.Location, CrashHost.Switch, "--dir", _dir.Path, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--pg", db.ConnectionString, "--s3-prefix", _prefix })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The crash host did not start.");
        var log = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var child = new Child(process, $"http://127.0.0.1:{port}", log);
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The crash host exited with {process.ExitCode}: {string.Join('\n', log)}");
            }

            try
            {
                using var ready = await http.GetAsync(child.BaseUrl + "/ready", ct);
                if (ready.IsSuccessStatusCode)
                {
                    return child;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (TimeProvider.System.GetElapsedTime(started) > TimeSpan.FromSeconds(30))
            {
                child.Kill();
                throw new InvalidOperationException("The crash host did not answer /ready within 30 s: " + string.Join('\n', log));
            }

            await Task.Delay(100, ct);
        }
    }

    private static string DotNet()
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private sealed class Child(Process process, string baseUrl, ConcurrentQueue<string> log)
    {
        public string BaseUrl { get; } = baseUrl;

        /// <summary>Gets what the child wrote (the audit package's log at Information, everything else at Warning).</summary>
        public IReadOnlyCollection<string> Log => log;

        public async Task<(long Last, long Postgres, long S3)> StatusAsync(HttpClient http, CancellationToken ct)
        {
            var parts = (await http.GetStringAsync(BaseUrl + "/status", ct)).Split(' ');
            return (long.Parse(parts[0]), long.Parse(parts[1]), long.Parse(parts[2]));
        }

        /// <summary>SIGKILL: no shutdown code runs.</summary>
        private bool _gone;

        public void Kill()
        {
            if (_gone)
            {
                return;
            }

            _gone = true;
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(10_000);
            }

            process.Dispose();
        }
    }
}
