using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Audit.Query;

/// <summary>
/// <c>GET /api/audit</c>: records filtered by <c>user</c>, <c>tool</c>, <c>decision</c>, <c>outcome</c>,
/// <c>action</c>, <c>from</c> (inclusive) and <c>to</c> (exclusive), <c>limit</c> per page and <c>cursor</c> (the
/// previous page's <c>next</c>). Authenticated callers with the admin role only; each query is itself audited.
/// Answers from PostgreSQL (every writer) when configured, else from this instance's chain files.
/// </summary>
internal sealed class AuditQueryEndpoints(
    ICallerIdentityResolver identity,
    IOptionsMonitor<AuditOptions> options,
    FileAuditSink sink,
    PostgreSqlAuditTarget postgres,
    IAuditSink audit,
    TimeProvider time) : IMsilMcpEndpointContributor
{
    /// <summary>The path of the query API.</summary>
    public const string Path = "/api/audit";

    /// <summary>The action of the audit record each query writes.</summary>
    public const string QueryAction = "audit.query";

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        if (!options.CurrentValue.EnableQueryApi)
        {
            return;
        }

        endpoints.MapGet(Path, (RequestDelegate)QueryAsync).RequireAuthorization();
    }

    private async Task QueryAsync(HttpContext context)
    {
        var caller = identity.Resolve(context.User);
        var role = options.CurrentValue.AdminRole;
        if (!caller.IsAuthenticated || !caller.IsInRole(role))
        {
            await ProblemAsync(context, 403, $"Only callers with the role '{role}' (Msil:Mcp:Audit:AdminRole) may read audit records.").ConfigureAwait(false);
            return;
        }

        var (query, error) = AuditQuery.Parse(context.Request.Query);
        if (query is null)
        {
            await ProblemAsync(context, 400, error!).ConfigureAwait(false);
            return;
        }

        AuditPage page;
        try
        {
            page = postgres.Enabled
                ? await PostgreSqlAuditQuery.RunAsync(postgres.DataSource, options.CurrentValue.PostgreSql, query, context.RequestAborted).ConfigureAwait(false)
                : FileAuditQuery.Run(sink.DirectoryPath, query);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or IOException or TimeoutException)
        {
            await ProblemAsync(context, 503, "The audit store cannot be read right now (" + ex.GetType().Name + "); try again.").ConfigureAwait(false);
            return;
        }

        await RecordQueryAsync(context, caller, query, page.Records.Count).ConfigureAwait(false);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("source", page.Source);
            w.WriteNumber("count", page.Records.Count);
            w.WriteStartArray("records");
            foreach (var line in page.Records)
            {
                w.WriteRawValue(line, skipInputValidation: true);
            }

            w.WriteEndArray();
            if (page.Next is null)
            {
                w.WriteNull("next");
            }
            else
            {
                w.WriteString("next", page.Next);
            }

            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task RecordQueryAsync(HttpContext context, CallerIdentity caller, AuditQuery query, int count)
    {
        var now = time.GetUtcNow();
        var detail = $"user={query.User} tool={query.Tool} decision={query.Decision} outcome={query.Outcome} action={query.Action} from={query.From:O} to={query.To:O} limit={query.Limit} returned={count}";
        try
        {
            await audit.WriteAsync(new AuditRecord
            {
                Id = Guid.CreateVersion7(now).ToString("N"),
                Timestamp = now,
                Action = QueryAction,
                Outcome = AuditOutcomes.Success,
                CorrelationId = context.Response.Headers["X-Correlation-ID"].ToString() is { Length: > 0 } c ? c : context.TraceIdentifier,
                TraceId = System.Diagnostics.Activity.Current?.TraceId.ToString(),
                UserId = caller.UserId,
                Subject = caller.Subject,
                ObjectId = caller.ObjectId,
                PreferredUsername = caller.PreferredUsername,
                Actor = caller.Actor,
                Detail = detail.Length > 512 ? detail[..512] : detail,
            }, context.RequestAborted).ConfigureAwait(false);
        }
        catch (AuditUnavailableException)
        {
            // Reading is still allowed; the failure is already logged and counted by the sink.
        }
    }

    private static async Task ProblemAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("status", status);
            w.WriteString("title", status switch { 400 => "Bad Request", 403 => "Forbidden", _ => "Service Unavailable" });
            w.WriteString("detail", detail);
            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
