using System.Diagnostics.Metrics;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Audit.Tests.Support;

/// <summary>Builds file sinks and records for tests.</summary>
internal static class Sinks
{
    private static readonly ServiceProvider Metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public static IMeterFactory MeterFactory => Metrics.GetRequiredService<IMeterFactory>();

    public static FileAuditSink Create(string directory, Action<AuditOptions>? configure = null, TimeProvider? time = null, IMeterFactory? meters = null)
    {
        var options = new AuditOptions { Directory = directory };
        configure?.Invoke(options);
        return new FileAuditSink(Options.Create(options), new Environment(directory), time ?? TimeProvider.System, new AuditTelemetry(meters ?? MeterFactory), NullLogger<FileAuditSink>.Instance);
    }

    public static async Task<FileAuditSink> StartAsync(string directory, Action<AuditOptions>? configure = null, TimeProvider? time = null)
    {
        var sink = Create(directory, configure, time);
        await sink.StartAsync(TestContext.Current.CancellationToken);
        return sink;
    }

    public static AuditRecord Record(int i, TimeProvider? time = null, string? user = null, string? tool = null, bool? allow = true, string outcome = AuditOutcomes.Success) => new()
    {
        Id = "rec-" + i,
        Timestamp = (time ?? TimeProvider.System).GetUtcNow(),
        Action = AuditActions.ToolCall,
        Outcome = outcome,
        CorrelationId = "corr-" + i,
        UserId = user ?? "alice",
        Subject = "sub-" + (user ?? "alice"),
        ToolName = tool ?? "get_vehicle",
        RiskLevel = RiskLevel.Read,
        PolicyAllow = allow,
        LatencyMs = 1.25,
        ArgumentsHash = new string('a', 64),
    };

    public static async Task WriteAsync(FileAuditSink sink, int count, int start = 1, TimeProvider? time = null)
    {
        for (var i = start; i < start + count; i++)
        {
            await sink.WriteAsync(Record(i, time), TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Every line of every chain file, in order.</summary>
    public static List<string> Lines(string directory)
        => AuditLogVerifier.ChainFiles(directory).SelectMany(File.ReadLines).Where(l => l.Length > 0).ToList();

    private sealed class Environment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";

        public string ApplicationName { get; set; } = "tests";

        public string ContentRootPath { get; set; } = root;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

/// <summary>Polls a condition until it holds or a bound passes.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan within, string what)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > within)
            {
                Assert.Fail($"Not within {within}: {what}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > within)
            {
                Assert.Fail($"Not within {within}: {what}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
