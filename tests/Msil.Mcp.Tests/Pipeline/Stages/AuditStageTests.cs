using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Defaults;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;
using Msil.Mcp.Pipeline.Stages;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Tests.Pipeline.Stages;

public sealed class AuditStageTests
{
    [Fact]
    public async Task WriteAsync_NameNotInTheCatalog_RecordKeepsTheBoundedNameMetricSaysUnknown()
    {
        using var services = StageFixtures.Services();
        using var executions = new MetricCollector<long>(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MsilMcpTelemetry.CoreName, "msil.mcp.tool.executions");
        var sink = new InMemoryAuditSink();
        var stage = new AuditStage(sink, new NoAuditArgumentRedactor(), TimeProvider.System, services.GetRequiredService<MsilMcpMetrics>(), new Msil.Mcp.Admin.CallActivity(), NullLogger<AuditStage>.Instance);
        var state = new CallState
        {
            ToolName = CallerText.Bound("evil\n" + new string('z', 5000)),
            CorrelationId = "ours",
            ClientCorrelationId = "theirs",
            StartTimestamp = TimeProvider.System.GetTimestamp(),
            Outcome = AuditOutcomes.UnknownTool,
            Detail = new string('d', 5000),
        };

        await stage.WriteAsync(state, activity: null);

        var record = Assert.Single(sink.Records);
        Assert.StartsWith("evilzzz", record.ToolName, StringComparison.Ordinal);
        Assert.True(record.ToolName!.Length <= CallerText.MaxLength + 20);
        Assert.Equal("ours", record.CorrelationId);
        Assert.Equal("theirs", record.ClientCorrelationId);
        Assert.Equal(AuditStage.MaxDetailLength + 1, record.Detail!.Length);
        Assert.Null(record.ToolVersion);
        Assert.Equal(CallerText.UnknownTool, Assert.Single(executions.GetMeasurementSnapshot()).Tags["mcp.tool.name"]);
    }

    [Fact]
    public async Task WriteTaskAsync_CatalogTool_RecordsTheTaskActionAndTheToolsLabel()
    {
        using var services = StageFixtures.Services();
        using var executions = new MetricCollector<long>(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MsilMcpTelemetry.CoreName, "msil.mcp.tool.executions");
        var sink = new InMemoryAuditSink();
        var stage = new AuditStage(sink, new NoAuditArgumentRedactor(), TimeProvider.System, services.GetRequiredService<MsilMcpMetrics>(), new Msil.Mcp.Admin.CallActivity(), NullLogger<AuditStage>.Instance);
        var state = StageFixtures.State();
        state.Outcome = AuditOutcomes.Success;

        await stage.WriteTaskAsync(state);

        Assert.Equal(AuditActions.ToolTask, Assert.Single(sink.Records).Action);
        Assert.Equal("look", Assert.Single(executions.GetMeasurementSnapshot()).Tags["mcp.tool.name"]);
    }
}
