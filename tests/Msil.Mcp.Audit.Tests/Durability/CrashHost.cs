using System.Globalization;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Audit.S3;

namespace Msil.Mcp.Audit.Tests.Durability;

/// <summary>
/// The child process of the SIGKILL test: a host with the audit package (outbox files, PostgreSQL and S3 shippers)
/// and <c>POST /call?id=…</c>, which writes one record per request and answers only after <c>WriteAsync</c> returns
/// (Flushed durability: the record is in the file before the client sees the answer).
/// Arguments: <c>--dir D --port P [--pg CS] [--s3-prefix X]</c>; S3 settings come from the S3_* variables.
/// </summary>
internal static class CrashHost
{
    public const string Switch = "crash-host";

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            settings[args[i]] = args[i + 1];
        }

        var builder = WebApplication.CreateBuilder(["--environment", "Production", "--AllowedHosts", "127.0.0.1"]);
        builder.WebHost.UseUrls($"http://127.0.0.1:{settings["--port"]}");
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Msil.Mcp.Audit", LogLevel.Information);
        builder.Services.AddMsilMcp().AddAudit(o =>
        {
            o.Directory = settings["--dir"];
            o.RetryDelay = TimeSpan.FromMilliseconds(100);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(500);
            if (settings.TryGetValue("--pg", out var pg))
            {
                o.PostgreSql.ConnectionString = pg;
                o.PostgreSql.AllowInsecureTransport = true; // the loopback test PostgreSQL has no TLS; the host runs as Production
            }

            if (settings.TryGetValue("--s3-prefix", out var prefix))
            {
                var s3 = Support.TestServices.S3(prefix);
                o.S3.ServiceUrl = s3.ServiceUrl;
                o.S3.Bucket = s3.Bucket;
                o.S3.AccessKey = s3.AccessKey;
                o.S3.SecretKey = s3.SecretKey;
                o.S3.Region = s3.Region;
                o.S3.ForcePathStyle = true;
                o.S3.DisableChunkEncoding = true;
                o.S3.Prefix = prefix;
                o.S3.BatchMaxRecords = 100;
                o.S3.BatchMaxAge = TimeSpan.FromMilliseconds(300);
            }
        });
        var app = builder.Build();
        var audit = app.Services.GetRequiredService<IAuditSink>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        app.MapGet("/ready", () => "ready");
        app.MapPost("/call", async (HttpContext context) =>
        {
            var id = context.Request.Query["id"].ToString();
            var now = time.GetUtcNow();
            await audit.WriteAsync(new AuditRecord
            {
                Id = Guid.CreateVersion7(now).ToString("N"),
                Timestamp = now,
                Action = AuditActions.ToolCall,
                Outcome = AuditOutcomes.Success,
                CorrelationId = id,
                UserId = "load",
                ToolName = "crash_test",
                RiskLevel = RiskLevel.Write,
                PolicyAllow = true,
            }, context.RequestAborted);
            return Results.Text("ok:" + id);
        });
        app.MapGet("/status", () =>
        {
            var sink = app.Services.GetRequiredService<FileAuditSink>();
            var pg = app.Services.GetRequiredService<OutboxShipper<PostgreSqlAuditTarget>>();
            var s3 = app.Services.GetRequiredService<OutboxShipper<S3AuditTarget>>();
            return Results.Text(string.Create(CultureInfo.InvariantCulture, $"{sink.LastSequence} {pg.ShippedSequence} {s3.ShippedSequence}"));
        });
        await app.RunAsync();
        return 0;
    }
}
