using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Audit.Query;

/// <summary>
/// The audit read API (admin role, <c>Msil:Mcp:Audit:AdminRole</c>): <c>GET /api/audit</c> (filters, newest first, paged),
/// <c>GET /api/audit/{sequence}</c> (one whole record with its chain position), <c>GET /api/audit/export</c> (NDJSON,
/// capped) and <c>POST /api/audit/verify</c> (recomputes a store's chains, one run at a time). Every use is audited,
/// and so is every refused request (401, 403). Reads come from PostgreSQL (every writer) when configured, else from
/// this instance's chain files; <c>store=files|postgres</c> picks one.
/// </summary>
internal sealed class AuditQueryEndpoints(
    ICallerIdentityResolver identity,
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

    private int _verifying;

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        if (!options.CurrentValue.EnableQueryApi)
        {
            return;
        }

        // Authentication is checked in each handler (not by RequireAuthorization) so that a refused request is audited too.
        endpoints.MapGet(Path, (RequestDelegate)QueryAsync);
        endpoints.MapGet(Path + "/export", (RequestDelegate)ExportAsync);
        endpoints.MapPost(Path + "/verify", (RequestDelegate)VerifyAsync);
        endpoints.MapGet(Path + "/{sequence:long}", (RequestDelegate)GetAsync);
    }

    private async Task QueryAsync(HttpContext context)
    {
        if (await RequireAdminAsync(context, QueryAction).ConfigureAwait(false) is not { } caller
            || await ParseAsync(context).ConfigureAwait(false) is not { } query)
        {
            return;
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
            await UnavailableAsync(context, ex).ConfigureAwait(false);
            return;
        }

        await RecordAsync(context, caller, QueryAction, AuditOutcomes.Success, $"{query.Describe()} page={query.Page} page_size={query.PageSize} returned={page.Records.Count} total={page.Total}").ConfigureAwait(false);
        var buffer = new ArrayBufferWriter<byte>(8192);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("items");
            foreach (var line in page.Records)
            {
                using var document = JsonDocument.Parse(line);
                WriteSummary(w, document.RootElement);
            }

            w.WriteEndArray();
            w.WriteNumber("total", page.Total);
            w.WriteNumber("page", query.Page);
            w.WriteNumber("page_size", query.PageSize);
            w.WriteString("store", page.Source);
            w.WriteEndObject();
        }

        await WriteAsync(context, 200, buffer.WrittenMemory).ConfigureAwait(false);
    }

    private async Task GetAsync(HttpContext context)
    {
        if (await RequireAdminAsync(context, ReadAction).ConfigureAwait(false) is not { } caller
            || await ParseAsync(context).ConfigureAwait(false) is not { } query)
        {
            return;
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
                    await ProblemAsync(context, 409, $"Record {sequence} exists in several chains ({chains}): add query parameter 'chain' with one of them.").ConfigureAwait(false);
                    return;
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
            await UnavailableAsync(context, ex).ConfigureAwait(false);
            return;
        }

        if (line is null || !ChainedRecord.TryParse(line, out var record, out _))
        {
            await ProblemAsync(context, 404, $"No audit record has sequence {sequence} in the {(UsePostgres(query) ? "PostgreSQL table" : "chain files")}; check 'sequence' (and 'chain', 'store') against GET /api/audit.").ConfigureAwait(false);
            return;
        }

        await RecordAsync(context, caller, ReadAction, AuditOutcomes.Success, $"sequence={sequence} chain={record.ChainId}").ConfigureAwait(false);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            w.WriteStartObject();
            WriteSummaryFields(w, root);
            w.WriteString("chain", record.ChainId);
            CopyString(w, root, "decision_reason", "decision_reason");
            CopyString(w, root, "elevation_ref", "elevation_reference");
            CopyString(w, root, "detail", "detail");
            CopyString(w, root, "risk_level", "risk_level");
            CopyString(w, root, "tool_version", "tool_version");
            w.WritePropertyName("arguments");
            if (root.TryGetProperty("args", out var args))
            {
                args.WriteTo(w);
            }
            else
            {
                w.WriteNullValue();
            }

            w.WriteString("previous_hash", record.PreviousHash);
            w.WriteString("hash", record.Hash);
            w.WriteBoolean("hash_verified", string.Equals(record.Hash, record.ComputedHash, StringComparison.Ordinal));
            w.WritePropertyName("record");
            root.WriteTo(w);
            w.WriteEndObject();
        }

        await WriteAsync(context, 200, buffer.WrittenMemory).ConfigureAwait(false);
    }

    private async Task ExportAsync(HttpContext context)
    {
        if (await RequireAdminAsync(context, ExportAction).ConfigureAwait(false) is not { } caller
            || await ParseAsync(context).ConfigureAwait(false) is not { } query)
        {
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
            await UnavailableAsync(context, ex).ConfigureAwait(false);
            return;
        }

        var truncated = total > ExportCap;
        await RecordAsync(context, caller, ExportAction, AuditOutcomes.Success, $"{query.Describe()} total={total} truncated={truncated}").ConfigureAwait(false);
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

    private async Task VerifyAsync(HttpContext context)
    {
        if (await RequireAdminAsync(context, VerifyAction).ConfigureAwait(false) is not { } caller)
        {
            return;
        }

        string? store = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("store", out var s) && s.ValueKind == JsonValueKind.String)
            {
                store = s.GetString()?.ToLowerInvariant();
            }
        }
        catch (JsonException)
        {
        }

        var o = options.CurrentValue;
        if (store is not ("files" or "postgres" or "s3"))
        {
            await ProblemAsync(context, 400, "The body must be {\"store\": \"files\" | \"postgres\" | \"s3\"}: field 'store' names the copy of the audit chain to verify.").ConfigureAwait(false);
            return;
        }

        if (store == "postgres" && !o.PostgreSql.Enabled)
        {
            await ProblemAsync(context, 400, "Field 'store' is 'postgres' but no PostgreSQL audit table is configured: set Msil:Mcp:Audit:PostgreSql:ConnectionString, or verify 'files'.").ConfigureAwait(false);
            return;
        }

        if (store == "s3" && !o.S3.Enabled)
        {
            await ProblemAsync(context, 400, "Field 'store' is 's3' but no S3 archive is configured: set Msil:Mcp:Audit:S3:Bucket, or verify 'files'.").ConfigureAwait(false);
            return;
        }

        if (!TryEnterVerification())
        {
            await RecordAsync(context, caller, VerifyAction, AuditOutcomes.Denied, $"store={store} refused (409): a verification is running").ConfigureAwait(false);
            await ProblemAsync(context, 409, "A verification is already running on this instance; try again when it has finished (one runs at a time).").ConfigureAwait(false);
            return;
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
            await UnavailableAsync(context, ex).ConfigureAwait(false);
            return;
        }
        finally
        {
            ExitVerification();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        Log.Verified(logger, store, result.IsValid, result.Records, elapsed.TotalMilliseconds);
        var reason = result.Problem is null ? null : result.File is null ? result.Problem : $"{result.Problem} ({System.IO.Path.GetFileName(result.File)}, line {result.Line})";
        await RecordAsync(context, caller, VerifyAction, result.IsValid ? AuditOutcomes.Success : AuditOutcomes.Failed, $"store={store} ok={result.IsValid} records={result.Records} first_broken={result.Sequence}").ConfigureAwait(false);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("store", store);
            w.WriteBoolean("ok", result.IsValid);
            w.WriteNumber("records_checked", result.Records);
            w.WriteNumber("chains", result.Chains);
            if (result.IsValid)
            {
                w.WriteNull("first_broken_sequence");
            }
            else if (result.Sequence is { } broken)
            {
                w.WriteNumber("first_broken_sequence", broken);
            }
            else
            {
                // The broken line could not be read as a record: the record after the last good one.
                w.WriteNumber("first_broken_sequence", result.Records + 1);
            }

            w.WriteString("reason", reason);
            w.WriteNumber("duration_ms", Math.Round(elapsed.TotalMilliseconds, 1));
            w.WriteEndObject();
        }

        await WriteAsync(context, 200, buffer.WrittenMemory).ConfigureAwait(false);
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

    private async Task<AuditQuery?> ParseAsync(HttpContext context)
    {
        var (query, error) = AuditQuery.Parse(context.Request.Query);
        if (query is null)
        {
            await ProblemAsync(context, 400, error!).ConfigureAwait(false);
            return null;
        }

        if (query.Store == AuditQuery.Postgres && !postgres.Enabled)
        {
            await ProblemAsync(context, 400, "Query parameter 'store' is 'postgres' but no PostgreSQL audit table is configured: set Msil:Mcp:Audit:PostgreSql:ConnectionString, or use store=files.").ConfigureAwait(false);
            return null;
        }

        return query;
    }

    private static void WriteSummary(Utf8JsonWriter w, JsonElement root)
    {
        w.WriteStartObject();
        WriteSummaryFields(w, root);
        w.WriteEndObject();
    }

    private static void WriteSummaryFields(Utf8JsonWriter w, JsonElement root)
    {
        w.WriteNumber("sequence", root.TryGetProperty("seq", out var seq) ? seq.GetInt64() : 0);
        CopyString(w, root, "id", "id");
        CopyString(w, root, "ts", "timestamp");
        CopyString(w, root, "user_id", "user");
        CopyString(w, root, "tool", "tool");
        CopyString(w, root, "action", "action");
        CopyString(w, root, "outcome", "outcome");
        CopyString(w, root, "decision", "decision");
        CopyString(w, root, "decision_id", "decision_id");
        w.WritePropertyName("reason");
        if (root.TryGetProperty("decision_reason", out var reason) || root.TryGetProperty("detail", out reason))
        {
            reason.WriteTo(w);
        }
        else
        {
            w.WriteNullValue();
        }

        CopyString(w, root, "correlation_id", "correlation_id");
        CopyNumber(w, root, "backend_status", "backend_status");
        CopyNumber(w, root, "latency_ms", "duration_ms");
    }

    private static void CopyString(Utf8JsonWriter w, JsonElement root, string from, string to)
    {
        if (root.TryGetProperty(from, out var value) && value.ValueKind == JsonValueKind.String)
        {
            w.WriteString(to, value.GetString());
        }
        else
        {
            w.WriteNull(to);
        }
    }

    private static void CopyNumber(Utf8JsonWriter w, JsonElement root, string from, string to)
    {
        w.WritePropertyName(to);
        if (root.TryGetProperty(from, out var value) && value.ValueKind == JsonValueKind.Number)
        {
            value.WriteTo(w);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    /// <summary>Returns the caller when signed in with the admin role; otherwise audits the refusal and answers 401 or 403.</summary>
    private async Task<CallerIdentity?> RequireAdminAsync(HttpContext context, string action)
    {
        var caller = identity.Resolve(context.User);
        var role = options.CurrentValue.AdminRole;
        if (caller.IsAuthenticated && caller.IsInRole(role))
        {
            return caller;
        }

        var what = $"{context.Request.Method} {CallerText.Bound(context.Request.Path.Value ?? string.Empty, 200)}";
        if (!caller.IsAuthenticated)
        {
            await RecordAsync(context, caller, action, AuditOutcomes.Denied, "refused (401, not signed in): " + what).ConfigureAwait(false);
            var schemes = context.RequestServices.GetService<IAuthenticationSchemeProvider>();
            if (schemes is not null && await schemes.GetDefaultChallengeSchemeAsync().ConfigureAwait(false) is not null)
            {
                await context.ChallengeAsync().ConfigureAwait(false);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            }

            return null;
        }

        await RecordAsync(context, caller, action, AuditOutcomes.Denied, $"refused (403, not in role '{role}'): {what}").ConfigureAwait(false);
        await ProblemAsync(context, 403, $"Only callers with the role '{role}' (Msil:Mcp:Audit:AdminRole) may read or verify audit records.").ConfigureAwait(false);
        return null;
    }

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
                CorrelationId = context.Response.Headers["X-Correlation-ID"].ToString() is { Length: > 0 } c ? c : context.TraceIdentifier,
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

    private static Task UnavailableAsync(HttpContext context, Exception ex)
        => ProblemAsync(context, 503, "The audit store cannot be read right now (" + ex.GetType().Name + "); try again, or pick another copy with 'store'.");

    private static async Task WriteAsync(HttpContext context, int status, ReadOnlyMemory<byte> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task ProblemAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "about:blank");
            w.WriteString("title", status switch { 400 => "Bad Request", 403 => "Forbidden", 404 => "Not Found", 409 => "Conflict", _ => "Service Unavailable" });
            w.WriteNumber("status", status);
            w.WriteString("detail", detail);
            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
