using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Audit.S3;

namespace Msil.Mcp.Audit.Outbox;

/// <summary>The outbox's shipping lag (the largest of the configured targets), for the admin health endpoint.</summary>
internal sealed class AuditOutboxStatus(OutboxShipper<PostgreSqlAuditTarget> postgres, OutboxShipper<S3AuditTarget> s3) : IAuditOutboxStatus
{
    public long Lag => Math.Max(postgres.Enabled ? postgres.Lag : 0, s3.Enabled ? s3.Lag : 0);
}
