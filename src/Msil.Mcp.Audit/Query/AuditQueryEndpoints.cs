using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Http;

namespace Msil.Mcp.Audit.Query;

/// <summary>
/// The audit read API (admin role, <c>Msil:Mcp:Audit:AdminRole</c>): <c>GET /api/audit</c> (filters, newest first, paged),
/// <c>GET /api/audit/{sequence}</c> (one whole record with its chain position), <c>GET /api/audit/export</c> (NDJSON,
/// capped) and <c>POST /api/audit/verify</c> (recomputes a store's chains, one run at a time). Every use is audited,
/// and so is every refused request (401, 403). Reads come from PostgreSQL (every writer) when configured, else from
/// this instance's chain files; <c>store=files|postgres</c> picks one.
/// </summary>
internal sealed class AuditQueryEndpoints(
    IOptionsMonitor<AuditOptions> options,
    FileAuditSink sink,
    PostgreSqlAuditTarget postgres,
    IAuditSink audit,
    TimeProvider time,
    ILogger<AuditQueryEndpoints> logger) : IMsilMcpEndpointContributor
{
    /// <summary>The path of the query API.</summary>
    public const string Path = "/api/audit";

    /// <summary>The action of the audit record each query writes.</summary>
    public const string QueryAction = "audit.query";

    /// <summary>The action of the audit record a record read writes.</summary>
    public const string ReadAction = "audit.read";

    /// <summary>The action of the audit record each export writes.</summary>
    public const string ExportAction = "audit.export";

    /// <summary>The action of the audit record each verification writes.</summary>
    public const string VerifyAction = "audit.verify";

    /// <summary>The most records one export returns.</summary>
    public const int ExportCap = 100_000;

    private const string AdminRoleSet = "admin";
    private const string VerifyShape = "{\"store\": \"files\" | \"postgres\" | \"s3\"}";

    private int _verifying;

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        if (!options.CurrentValue.EnableQueryApi)
        {
            return;
        }

        // The role filter (not RequireAuthorization) checks the caller, so that a refused request (401, 403) is audited too,
        // under the action of the endpoint it was refused.
        var api = endpoints.MapGroup(Path)
            .AddEndpointFilter(new RoleEndpointFilter(new RoleRequirement(QueryAction, AdminRoleSet), RuleOf, AuditRefusalAsync));
        api.MapGet(string.Empty, HttpHandler.Run(QueryAsync));
        api.MapGet("/export", ExportAsync).RequireRoleSet(ExportAction, AdminRoleSet);
        api.MapPost("/verify", HttpHandler.Run(VerifyAsync)).RequireRoleSet(VerifyAction, AdminRoleSet);
        api.MapGet("/{sequence:long}", HttpHandler.Run(GetAsync)).RequireRoleSet(ReadAction, AdminRoleSet);
    }

    private async Task<IResult> QueryAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var (query, bad) = Parse(context);
        if (query is null)
        {
            return bad!;
        }

        AuditPage page;
        try
        {
            page = UsePostgres(query)
                ? await PostgreSqlAuditQuery.RunAsync(postgres.DataSource, options.CurrentValue.PostgreSql, query, context.RequestAborted).ConfigureAwait(false)
                : FileAuditQuery.Run(sink.DirectoryPath, query);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or IOException or TimeoutException)
        {
            return Unavailable(ex);
        }

        await RecordAsync(context, caller, QueryAction, AuditOutcomes.Success, $"{query.Describe()} page={query.Page} page_size={query.PageSize} returned={page.Records.Count} total={page.Total}").ConfigureAwait(false);

        // A page is at most AuditQuery.MaxPageSize summaries: one buffered body, no streaming writer needed.
        var items = page.Records.Select(line => new AuditRecordSummary(StoredAuditLine.Parse(line))).ToList();
        return TypedResults.Json(new AuditRecordPage(items, page.Total, query.Page, query.PageSize, page.Source), AuditQueryJsonContext.Default.AuditRecordPage);
    }

    private async Task<IResult> GetAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var (query, bad) = Parse(context);
        if (query is null)
        {
            return bad!;
        }

        var sequence = long.Parse(context.Request.RouteValues["sequence"]!.ToString()!, CultureInfo.InvariantCulture);
        var chain = context.Request.Query["chain"].ToString() is { Length: > 0 } c ? c : null;
        string? line;
        try
        {
            if (UsePostgres(query))
            {
                var found = await PostgreSqlAuditQuery.FindAsync(postgres.DataSource, options.CurrentValue.PostgreSql, sequence, chain, context.RequestAborted).ConfigureAwait(false);
                if (found.Count > 1)
                {
                    var chains = string.Join(", ", found.Select(l => ChainedRecord.TryParse(l, out var r, out _) ? r.ChainId : null).Where(id => id is not null).Take(10));
                    return Problem(409, $"Record {sequence} exists in several chains ({chains}): add query parameter 'chain' with one of them.");
                }

                line = found.Count == 1 ? found[0] : null;
            }
            else
            {
                line = FileAuditQuery.Find(sink.DirectoryPath, sequence)?.Line;
            }
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or IOException or TimeoutException)
        {
            return Unavailable(ex);
        }

        if (line is null || !ChainedRecord.TryParse(line, out var record, out _))
        {
            return Problem(404, $"No audit record has sequence {sequence} in the {(UsePostgres(query) ? "PostgreSQL table" : "chain files")}; check 'sequence' (and 'chain', 'store') against GET /api/audit.");
        }

        await RecordAsync(context, caller, ReadAction, AuditOutcomes.Success, $"sequence={sequence} chain={record.ChainId}").ConfigureAwait(false);
        var whole = JsonSerializer.Deserialize(line, AuditQueryJsonContext.Default.JsonElement);
        return TypedResults.Json(new AuditRecordView(StoredAuditLine.Parse(line), record, whole), AuditQueryJsonContext.Default.AuditRecordView);
    }

    private async Task ExportAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);
        var (query, bad) = Parse(context);
        if (query is null)
        {
            await bad!.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var usePostgres = UsePostgres(query);
        long total;
        try
        {
            total = usePostgres
                ? await PostgreSqlAuditQuery.CountAsync(postgres.DataSource, options.CurrentValue.PostgreSql, query, context.RequestAborted).ConfigureAwait(false)
                : FileAuditQuery.Count(sink.DirectoryPath, query);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or IOException or TimeoutException)
        {
            await Unavailable(ex).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var truncated = total > ExportCap;
        await RecordAsync(context, caller, ExportAction, AuditOutcomes.Success, $"{query.Describe()} total={total} truncated={truncated}").ConfigureAwait(false);

        // Streamed on purpose: an export is up to ExportCap (100 000) stored lines, written as they are read, so the
        // answer never sits in memory whole. Every other answer of this API is a typed result.
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-ndjson";
        context.Response.Headers["X-Audit-Total"] = total.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["X-Audit-Truncated"] = truncated ? "true" : "false";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"audit-export.ndjson\"";
        var body = context.Response.Body;
        var newline = "\n"u8.ToArray();
        var written = 0;
        if (usePostgres)
        {
            await foreach (var line in PostgreSqlAuditQuery.ExportAsync(postgres.DataSource, options.CurrentValue.PostgreSql, query, ExportCap, context.RequestAborted).ConfigureAwait(false))
            {
                await body.WriteAsync(Encoding.UTF8.GetBytes(line), context.RequestAborted).ConfigureAwait(false);
                await body.WriteAsync(newline, context.RequestAborted).ConfigureAwait(false);
                written++;
            }
        }
        else
        {
            // The newest ExportCap matches, oldest first: skip the older ones.
            var skip = Math.Max(0, total - ExportCap);
            long index = 0;
            foreach (var record in FileAuditQuery.Matching(sink.DirectoryPath, query))
            {
                if (index++ < skip)
                {
                    continue;
                }

                if (written >= ExportCap)
                {
                    break;
                }

                await body.WriteAsync(Encoding.UTF8.GetBytes(record.Line), context.RequestAborted).ConfigureAwait(false);
                await body.WriteAsync(newline, context.RequestAborted).ConfigureAwait(false);
                written++;
            }
        }

        Log.Exported(logger, written, total);
    }

    private async Task<IResult> VerifyAsync(HttpContext context)
    {
        var caller = RoleEndpointFilter.Caller(context);

        var (body, _) = await HttpJsonBody.ReadAsync(context, AuditQueryJsonContext.Default.VerifyRequest, VerifyShape).ConfigureAwait(false);
        var store = body?.Store?.ToLowerInvariant();
        var o = options.CurrentValue;
        if (store is not ("files" or "postgres" or "s3"))
        {
            return Problem(400, $"The body must be {VerifyShape}: field 'store' names the copy of the audit chain to verify.");
        }

        if (store == "postgres" && !o.PostgreSql.Enabled)
        {
            return Problem(400, "Field 'store' is 'postgres' but no PostgreSQL audit table is configured: set Msil:Mcp:Audit:PostgreSql:ConnectionString, or verify 'files'.");
        }

        if (store == "s3" && !o.S3.Enabled)
        {
            return Problem(400, "Field 'store' is 's3' but no S3 archive is configured: set Msil:Mcp:Audit:S3:Bucket, or verify 'files'.");
        }

        if (!TryEnterVerification())
        {
            await RecordAsync(context, caller, VerifyAction, AuditOutcomes.Denied, $"store={store} refused (409): a verification is running").ConfigureAwait(false);
            return Problem(409, "A verification is already running on this instance; try again when it has finished (one runs at a time).");
        }

        AuditVerificationResult result;
        var started = Stopwatch.GetTimestamp();
        try
        {
            Log.VerifyStarted(logger, store);
            result = store switch
            {
                "files" => await Task.Run(() => AuditLogVerifier.VerifyDirectory(sink.DirectoryPath), context.RequestAborted).ConfigureAwait(false),
                "postgres" => await AuditLogVerifier.VerifyPostgreSqlAsync(o.PostgreSql, context.RequestAborted).ConfigureAwait(false),
                _ => await AuditLogVerifier.VerifyS3Async(o.S3, context.RequestAborted).ConfigureAwait(false),
            };
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or IOException or TimeoutException or Amazon.Runtime.AmazonServiceException)
        {
            await RecordAsync(context, caller, VerifyAction, AuditOutcomes.Failed, $"store={store} could not be read ({ex.GetType().Name})").ConfigureAwait(false);
            return Unavailable(ex);
        }
        finally
        {
            ExitVerification();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        Log.Verified(logger, store, result.IsValid, result.Records, elapsed.TotalMilliseconds);
        var reason = result.Problem is null ? null : result.File is null ? result.Problem : $"{result.Problem} ({System.IO.Path.GetFileName(result.File)}, line {result.Line})";
        await RecordAsync(context, caller, VerifyAction, result.IsValid ? AuditOutcomes.Success : AuditOutcomes.Failed, $"store={store} ok={result.IsValid} records={result.Records} first_broken={result.Sequence}").ConfigureAwait(false);

        // A broken line that could not be read as a record: the record after the last good one.
        long? firstBroken = result.IsValid ? null : result.Sequence ?? result.Records + 1;
        return TypedResults.Json(
            new VerifyAnswer(store, result.IsValid, result.Records, result.Chains, firstBroken, reason, Math.Round(elapsed.TotalMilliseconds, 1)),
            AuditQueryJsonContext.Default.VerifyAnswer);
    }

    /// <summary>Takes the one verification slot; <see langword="false"/> while a verification runs.</summary>
    internal bool TryEnterVerification() => Interlocked.CompareExchange(ref _verifying, 1, 0) == 0;

    /// <summary>Frees the verification slot.</summary>
    internal void ExitVerification() => Volatile.Write(ref _verifying, 0);

    private bool UsePostgres(AuditQuery query) => query.Store switch
    {
        AuditQuery.Files => false,
        AuditQuery.Postgres => true,
        _ => postgres.Enabled,
    };

    private (AuditQuery? Query, IResult? Problem) Parse(HttpContext context)
    {
        var (query, error) = AuditQuery.Parse(context.Request.Query);
        if (query is null)
        {
            return (null, Problem(400, error!));
        }

        if (query.Store == AuditQuery.Postgres && !postgres.Enabled)
        {
            return (null, Problem(400, "Query parameter 'store' is 'postgres' but no PostgreSQL audit table is configured: set Msil:Mcp:Audit:PostgreSql:ConnectionString, or use store=files."));
        }

        return (query, null);
    }

    /// <summary>The roles of <see cref="AdminRoleSet"/> for <see cref="RoleEndpointFilter"/>, from the current options.</summary>
    private RoleRule RuleOf(HttpContext context, string roleSet) => new([options.CurrentValue.AdminRole], "Msil:Mcp:Audit:AdminRole");

    /// <summary>Audits a request the role filter refused: outcome <c>denied</c>, under the endpoint's action.</summary>
    private async ValueTask AuditRefusalAsync(HttpContext context, RoleRefusal refusal)
        => await RecordAsync(context, refusal.Caller, refusal.Action, AuditOutcomes.Denied, refusal.Detail).ConfigureAwait(false);

    private async Task RecordAsync(HttpContext context, CallerIdentity caller, string action, string outcome, string detail)
    {
        var now = time.GetUtcNow();
        try
        {
            await audit.WriteAsync(new AuditRecord
            {
                Id = Guid.CreateVersion7(now).ToString("N"),
                Timestamp = now,
                Action = action,
                Outcome = outcome,
                CorrelationId = HttpRequestInfo.CorrelationId(context),
                TraceId = Activity.Current?.TraceId.ToString(),
                UserId = caller.UserId,
                Subject = caller.Subject,
                ObjectId = caller.ObjectId,
                PreferredUsername = caller.PreferredUsername,
                Actor = caller.Actor,
                Detail = CallerText.Bound(detail, 512),
            }, context.RequestAborted).ConfigureAwait(false);
        }
        catch (AuditUnavailableException)
        {
            // Reading is still allowed; the failure is already logged and counted by the sink.
        }
    }

    private static ProblemHttpResult Unavailable(Exception ex)
        => Problem(503, "The audit store cannot be read right now (" + ex.GetType().Name + "); try again, or pick another copy with 'store'.");

    private static ProblemHttpResult Problem(int status, string detail) => HttpProblem.Result(status, detail);
}
