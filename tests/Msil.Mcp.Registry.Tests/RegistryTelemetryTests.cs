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
        using var spans = new SpanRecorder();
        await using var host = await RegistryTestHost.StartAsync();
        using var imports = Imports(host);
        using var compiled = Compiled(host);

        using (var parent = TestSource.StartActivity("test"))
        {
            Assert.NotNull(parent);
            var response = await host.ImportAsync(Specs.Dealers());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            var import = Assert.Single(imports.GetMeasurementSnapshot());
            Assert.Equal(1, import.Value);
            Assert.Equal("stored", import.Tags[RegistryTelemetry.OutcomeTag]);
            Assert.Equal(false, import.Tags[RegistryTelemetry.DryRunTag]);
            Assert.Equal(3, Assert.Single(compiled.GetMeasurementSnapshot()).Value);

            var span = Assert.Single(spans.InTrace(parent.TraceId));
            Assert.Equal("stored", span.GetTagItem(RegistryTelemetry.OutcomeTag));
            Assert.Equal(false, span.GetTagItem(RegistryTelemetry.DryRunTag));
            Assert.Equal(3, span.GetTagItem("msil.registry.tools.compiled"));
            Assert.NotEqual(ActivityStatusCode.Error, span.Status);
        }
    }

    [Fact]
    public async Task Import_DryRunThroughAdminApi_CountsTheDryRunAndNoCompiledTools()
    {
        await using var host = await RegistryTestHost.StartAsync();
        using var imports = Imports(host);
        using var compiled = Compiled(host);

        var response = await host.ImportAsync(Specs.Dealers(), dryRun: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var import = Assert.Single(imports.GetMeasurementSnapshot());
        Assert.Equal("stored", import.Tags[RegistryTelemetry.OutcomeTag]);
        Assert.Equal(true, import.Tags[RegistryTelemetry.DryRunTag]);
        Assert.Empty(compiled.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Import_UnreadableThroughAdminApi_CountsTheFailureOutcomeAndMarksTheSpanAnError()
    {
        using var spans = new SpanRecorder();
        await using var host = await RegistryTestHost.StartAsync();
        using var imports = Imports(host);
        using var compiled = Compiled(host);

        using (var parent = TestSource.StartActivity("test"))
        {
            Assert.NotNull(parent);
            var response = await host.ImportAsync("not: [valid");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

            var import = Assert.Single(imports.GetMeasurementSnapshot());
            Assert.Equal("unreadable", import.Tags[RegistryTelemetry.OutcomeTag]);
            Assert.Equal(false, import.Tags[RegistryTelemetry.DryRunTag]);
            Assert.Empty(compiled.GetMeasurementSnapshot());

            var span = Assert.Single(spans.InTrace(parent.TraceId));
            Assert.Equal("unreadable", span.GetTagItem(RegistryTelemetry.OutcomeTag));
            Assert.Equal(ActivityStatusCode.Error, span.Status);
        }
    }

    [Fact]
    public async Task Import_TooManyOperationsThroughAdminApi_CountsTooManyOperations()
    {
        await using var host = await RegistryTestHost.StartAsync(o => o.MaxToolsPerImport = 2);
        using var imports = Imports(host);

        var response = await host.ImportAsync(Specs.ManyOperations(3), source: "many", contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        Assert.Equal("too_many_operations", Assert.Single(imports.GetMeasurementSnapshot()).Tags[RegistryTelemetry.OutcomeTag]);
    }

    [Fact]
    public async Task Import_CompiledLikeTheCliAndStoredDirectly_CountsAndRecordsTheSpan()
    {
        using var spans = new SpanRecorder();
        await using var host = await RegistryTestHost.StartAsync();
        using var imports = Imports(host);
        using var compiled = Compiled(host);
        var registry = host.Services.GetRequiredService<ToolRegistry>();

        // The CLI's `openapi compile` runs this compiler; the startup import and URL sources hand its compilation to the registry.
        var compilation = new OpenApiToolCompiler().Compile(Specs.Dealers(withDelete: false), "dealers");
        using (var parent = TestSource.StartActivity("test"))
        {
            Assert.NotNull(parent);
            var outcome = await registry.ImportAsync("dealers", compilation, "hash", dryRun: false, CallerIdentity.Anonymous, "corr", Ct);

            Assert.Equal(ImportRefusal.None, outcome.Refusal);
            var import = Assert.Single(imports.GetMeasurementSnapshot());
            Assert.Equal("stored", import.Tags[RegistryTelemetry.OutcomeTag]);
            Assert.Equal(false, import.Tags[RegistryTelemetry.DryRunTag]);
            Assert.Equal(2, Assert.Single(compiled.GetMeasurementSnapshot()).Value);
            var span = Assert.Single(spans.InTrace(parent.TraceId));
            Assert.Equal(parent.SpanId, span.ParentSpanId);
            Assert.Equal("import openapi", span.DisplayName);
        }
    }

    [Fact]
    public async Task Import_UnreadableCompiledLikeTheCli_CountsTheFailureOutcome()
    {
        await using var host = await RegistryTestHost.StartAsync();
        using var imports = Imports(host);
        using var compiled = Compiled(host);
        var registry = host.Services.GetRequiredService<ToolRegistry>();

        var compilation = new OpenApiToolCompiler().Compile("not: [valid", "broken");
        var outcome = await registry.ImportAsync("broken", compilation, "hash", dryRun: false, CallerIdentity.Anonymous, "corr", Ct);

        Assert.Equal(ImportRefusal.Unreadable, outcome.Refusal);
        Assert.Equal("unreadable", Assert.Single(imports.GetMeasurementSnapshot()).Tags[RegistryTelemetry.OutcomeTag]);
        Assert.Empty(compiled.GetMeasurementSnapshot());
    }

    private static MetricCollector<long> Imports(RegistryTestHost host)
        => new(host.Services.GetRequiredService<IMeterFactory>(), RegistryTelemetry.Name, RegistryTelemetry.ImportsInstrument);

    private static MetricCollector<long> Compiled(RegistryTestHost host)
        => new(host.Services.GetRequiredService<IMeterFactory>(), RegistryTelemetry.Name, RegistryTelemetry.ToolsCompiledInstrument);

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
