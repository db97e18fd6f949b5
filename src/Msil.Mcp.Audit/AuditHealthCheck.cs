using System.Globalization;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Audit.S3;

namespace Msil.Mcp.Audit;

/// <summary>
/// <c>msil-audit</c> (tag <c>ready</c>): unhealthy when the outbox cannot be written (calls are refused per the
/// outbox failure policy), degraded when a target is unreachable or shipping stopped (records wait safely in the
/// outbox), healthy otherwise. The description gives each target's lag.
/// </summary>
internal sealed class AuditHealthCheck(FileAuditSink sink, OutboxShipper<PostgreSqlAuditTarget> postgres, OutboxShipper<S3AuditTarget> s3) : IHealthCheck
{
    public const string Name = "msil-audit";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (sink.IsFaulted)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the audit outbox cannot be written; privileged calls are refused (see Msil:Mcp:Audit:OutboxFailurePolicy for the others)"));
        }

        var status = HealthStatus.Healthy;
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"outbox at record {sink.LastSequence}");
        foreach (var shipper in new IShipperState[] { new State<PostgreSqlAuditTarget>(postgres), new State<S3AuditTarget>(s3) })
        {
            if (!shipper.Enabled)
            {
                continue;
            }

            text.Append(CultureInfo.InvariantCulture, $"; {shipper.Name} lag {shipper.Lag}");
            if (shipper.IsHalted)
            {
                status = HealthStatus.Degraded;
                text.Append(" (shipping stopped: see the critical log)");
            }
            else if (shipper.IsFailing)
            {
                status = HealthStatus.Degraded;
                text.Append(" (unreachable; retrying, nothing is lost)");
            }
        }

        return Task.FromResult(new HealthCheckResult(status, text.ToString()));
    }

    private interface IShipperState
    {
        string Name { get; }

        bool Enabled { get; }

        bool IsHalted { get; }

        bool IsFailing { get; }

        long Lag { get; }
    }

    private sealed class State<T>(OutboxShipper<T> shipper) : IShipperState
        where T : class, IAuditShipTarget
    {
        public string Name => shipper.TargetName;

        public bool Enabled => shipper.Enabled;

        public bool IsHalted => shipper.IsHalted;

        public bool IsFailing => shipper.IsFailing;

        public long Lag => shipper.Lag;
    }
}
