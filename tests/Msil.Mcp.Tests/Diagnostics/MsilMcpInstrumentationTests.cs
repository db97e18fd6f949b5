using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Msil.Mcp.Tests.Diagnostics;

public sealed class MsilMcpInstrumentationTests
{
    [Fact]
    public void Metrics_EveryMsilMeterIsCollected_AndTheSdkMeterKeepsOnlySafeTags()
    {
        var exported = new List<Metric>();
        // Meters are made per test (same names, new instances) so a parallel test's instruments do not mix in.
        using var sdk = new Meter(MsilMcpTelemetry.McpSdkName);
        using var audit = new Meter("Msil.Mcp.Audit");
        using var other = new Meter("Somebody.Else");
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMsilMcpInstrumentation()
            .AddReader(new BaseExportingMetricReader(new CollectingExporter(exported)))
            .Build();
        sdk.CreateCounter<long>("msil.test.sdk.operation.probe").Add(1,
            new KeyValuePair<string, object?>("gen_ai.tool.name", "made-up-by-a-caller"),
            new KeyValuePair<string, object?>("mcp.method.name", "tools/call-anything"),
            new KeyValuePair<string, object?>("error.type", "tool_error"));
        audit.CreateCounter<long>("msil.test.audit.probe").Add(1);
        other.CreateCounter<long>("not.ours").Add(1);
        Assert.True(provider.ForceFlush());

        Assert.DoesNotContain(exported, m => m.Name == "not.ours");
        Assert.Contains(exported, m => m.Name == "msil.test.audit.probe" && m.MeterName == "Msil.Mcp.Audit");
        var operation = Assert.Single(exported, m => m.Name == "msil.test.sdk.operation.probe");
        var tagKeys = new List<string>();
        foreach (ref readonly var point in operation.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                tagKeys.Add(tag.Key);
            }
        }

        Assert.Equal(["error.type"], tagKeys);
    }

    [Fact]
    public void Tracing_EveryMsilSourceIsSampled_OthersAreNot()
    {
        using var provider = Sdk.CreateTracerProviderBuilder().AddMsilMcpInstrumentation().Build();
        foreach (var name in MsilMcpTelemetry.SourceNames)
        {
            using var source = new ActivitySource(name);
            using var activity = source.StartActivity("probe");
            Assert.True(activity is not null, $"source {name} is not listened to");
        }

        using var foreign = new ActivitySource("Somebody.Else.Tracing");
        using var none = foreign.StartActivity("probe");
        Assert.Null(none);
    }

    private sealed class CollectingExporter(List<Metric> sink) : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                sink.Add(metric);
            }

            return ExportResult.Success;
        }
    }
}
