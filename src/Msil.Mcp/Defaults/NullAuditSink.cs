using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Defaults;

/// <summary>The audit sink used when no audit package is added; a warning at start says so.</summary>
internal sealed class NullAuditSink : IAuditSink, IAuditGate
{
    public ValueTask EnsureWritableAsync(RiskLevel riskLevel, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
