using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.OpenApi;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests;

/// <summary>
/// The registry's documented instruments (docs/telemetry.md): <c>msil.mcp.registry.imports</c> and
/// <c>msil.mcp.registry.tools.compiled</c> on the <c>Msil.Mcp.Registry</c> meter, and the <c>import openapi</c> span, for an
/// import through the admin API and for one compiled the way the CLI compiles and stored by the registry directly (the
/// startup and URL-source path).
/// </summary>
public sealed class RegistryTelemetryTests
{
    private const string TestSourceName = "Msil.Mcp.Registry.Tests.Telemetry";

    private static readonly ActivitySource TestSource = new(TestSourceName);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Import_ThroughAdminApi_CountsStoredImportAndItsCompiledToolsAndRecordsTheSpan()
    {
        await using var t = await Recording.StartAsync();
        using var parent = t.Trace();

        var response = await t.Host.ImportAsync(Specs.Dealers());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var import = Assert.Single(t.Imports.GetMeasurementSnapshot());
        Assert.Equal(1, import.Value);
        Assert.Equal("stored", import.Tags[RegistryTelemetry.OutcomeTag]);
        Assert.Equal(false, import.Tags[RegistryTelemetry.DryRunTag]);
        Assert.Equal(3, Assert.Single(t.Compiled.GetMeasurementSnapshot()).Value);
        var span = Assert.Single(t.Spans(parent));
        Assert.Equal("stored", span.GetTagItem(RegistryTelemetry.OutcomeTag));
        Assert.Equal(false, span.GetTagItem(RegistryTelemetry.DryRunTag));
        Assert.Equal(3, span.GetTagItem("msil.registry.tools.compiled"));
        Assert.NotEqual(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task Import_DryRunThroughAdminApi_CountsTheDryRunAndNoCompiledTools()
    {
        await using var t = await Recording.StartAsync();

        var response = await t.Host.ImportAsync(Specs.Dealers(), dryRun: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var import = Assert.Single(t.Imports.GetMeasurementSnapshot());
        Assert.Equal("stored", import.Tags[RegistryTelemetry.OutcomeTag]);
        Assert.Equal(true, import.Tags[RegistryTelemetry.DryRunTag]);
        Assert.Empty(t.Compiled.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Import_UnreadableThroughAdminApi_CountsTheFailureOutcomeAndMarksTheSpanAnError()
    {
        await using var t = await Recording.StartAsync();
        using var parent = t.Trace();

        var response = await t.Host.ImportAsync("not: [valid");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var import = Assert.Single(t.Imports.GetMeasurementSnapshot());
        Assert.Equal("unreadable", import.Tags[RegistryTelemetry.OutcomeTag]);
        Assert.Equal(false, import.Tags[RegistryTelemetry.DryRunTag]);
        Assert.Empty(t.Compiled.GetMeasurementSnapshot());
        var span = Assert.Single(t.Spans(parent));
        Assert.Equal("unreadable", span.GetTagItem(RegistryTelemetry.OutcomeTag));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task Import_TooManyOperationsThroughAdminApi_CountsTooManyOperations()
    {
        await using var t = await Recording.StartAsync(o => o.MaxToolsPerImport = 2);

        var response = await t.Host.ImportAsync(Specs.ManyOperations(3), source: "many", contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        Assert.Equal("too_many_operations", Assert.Single(t.Imports.GetMeasurementSnapshot()).Tags[RegistryTelemetry.OutcomeTag]);
    }

    [Fact]
    public async Task Import_CompiledLikeTheCliAndStoredDirectly_CountsAndRecordsTheSpan()
    {
        await using var t = await Recording.StartAsync();
        using var parent = t.Trace();

        // The CLI's `openapi compile` runs this compiler; the startup import and URL sources hand its compilation to the registry.
        var compilation = new OpenApiToolCompiler().Compile(Specs.Dealers(withDelete: false), "dealers");
        var outcome = await t.Registry.ImportAsync("dealers", compilation, "hash", dryRun: false, CallerIdentity.Anonymous, "corr", Ct);

        Assert.Equal(ImportRefusal.None, outcome.Refusal);
        var import = Assert.Single(t.Imports.GetMeasurementSnapshot());
        Assert.Equal("stored", import.Tags[RegistryTelemetry.OutcomeTag]);
        Assert.Equal(false, import.Tags[RegistryTelemetry.DryRunTag]);
        Assert.Equal(2, Assert.Single(t.Compiled.GetMeasurementSnapshot()).Value);
        var span = Assert.Single(t.Spans(parent));
        Assert.Equal(parent.SpanId, span.ParentSpanId);
    }

    [Fact]
    public async Task Import_UnreadableCompiledLikeTheCli_CountsTheFailureOutcome()
    {
        await using var t = await Recording.StartAsync();

        var compilation = new OpenApiToolCompiler().Compile("not: [valid", "broken");
        var outcome = await t.Registry.ImportAsync("broken", compilation, "hash", dryRun: false, CallerIdentity.Anonymous, "corr", Ct);

        Assert.Equal(ImportRefusal.Unreadable, outcome.Refusal);
        Assert.Equal("unreadable", Assert.Single(t.Imports.GetMeasurementSnapshot()).Tags[RegistryTelemetry.OutcomeTag]);
        Assert.Empty(t.Compiled.GetMeasurementSnapshot());
    }

    /// <summary>A host with collectors on the two counters and the span recorder.</summary>
    private sealed class Recording : IAsyncDisposable
    {
        private readonly SpanRecorder _spans;

        private Recording(SpanRecorder spans, RegistryTestHost host)
        {
            _spans = spans;
            Host = host;
            var meters = host.Services.GetRequiredService<IMeterFactory>();
            Imports = new(meters, RegistryTelemetry.Name, RegistryTelemetry.ImportsInstrument);
            Compiled = new(meters, RegistryTelemetry.Name, RegistryTelemetry.ToolsCompiledInstrument);
        }

        public RegistryTestHost Host { get; }

        public MetricCollector<long> Imports { get; }

        public MetricCollector<long> Compiled { get; }

        public ToolRegistry Registry => Host.Services.GetRequiredService<ToolRegistry>();

        public static async Task<Recording> StartAsync(Action<ToolRegistryOptions>? configure = null)
        {
            var spans = new SpanRecorder();
            return new Recording(spans, await RegistryTestHost.StartAsync(configure));
        }

        /// <summary>Starts the test's own span (synchronously, so it is the current span of the test's flow; HTTP carries its trace).</summary>
        public Activity Trace() => TestSource.StartActivity("test") ?? throw new InvalidOperationException("The test's own span was not started.");

        /// <summary>The registry's <c>import openapi</c> spans in the trace of <paramref name="parent"/>.</summary>
        public IEnumerable<Activity> Spans(Activity parent) => _spans.InTrace(parent.TraceId);

        public async ValueTask DisposeAsync()
        {
            Imports.Dispose();
            Compiled.Dispose();
            await Host.DisposeAsync();
            _spans.Dispose();
        }
    }

    /// <summary>Records the registry's stopped spans (and lets the test's and the server's spans carry the trace across HTTP).</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name is RegistryTelemetry.Name or TestSourceName or "Microsoft.AspNetCore",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a =>
                {
                    if (a.Source.Name == RegistryTelemetry.Name)
                    {
                        _stopped.Enqueue(a);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IEnumerable<Activity> InTrace(ActivityTraceId trace) => _stopped.Where(a => a.TraceId == trace && a.OperationName == "import openapi").ToList();

        public void Dispose() => _listener.Dispose();
    }
}
