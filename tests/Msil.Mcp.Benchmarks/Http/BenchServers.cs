using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Benchmarks.Http;

/// <summary>
/// The servers build/bench-http.sh drives. Two with the same echo tool: the bare MCP SDK (stateless), and the governed
/// server with everything on (bearer validation by the development issuer's key, argument validation, embedded policy,
/// hash-chained audit flushed before the answer); the governed tool's executor runs in process, so the difference
/// is the governance itself, not a backend hop. And for the API-tool rows: the sample backend alone
/// (<c>serve-backend</c>, standing in for the API manager) and a bare MCP SDK server whose one tool GETs the backend's
/// inventory through <see cref="IHttpClientFactory"/> (<c>serve-bare-proxy</c>); the governed peer of that one is the
/// reference server itself, configured to the same backend.
/// </summary>
internal static class BenchServers
{
    public static async Task RunAsync(string mode, string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        if (mode == "serve-backend")
        {
            // BENCH_AUTHORITY: the issuer whose tokens the backend accepts (the reference server's development issuer).
            builder.Services.AddSampleBackend(o => o.Authority = Environment.GetEnvironmentVariable("BENCH_AUTHORITY"));
            // The startup row keeps one backend across reference-server restarts (the API manager does not restart with
            // the MCP server), and each restart brings a new development-issuer key: a token with an unknown key makes the
            // handler request a JWKS refresh, and the shortest interval between refreshes (1 s instead of 5 min) lets it
            // take the new key on every restart.
            builder.Services.Configure<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>(
                Msil.Mcp.SampleBackend.SampleBackendDefaults.AuthenticationScheme, o => o.RefreshInterval = TimeSpan.FromSeconds(1));
            var backend = builder.Build();
            backend.UseAuthentication();
            backend.UseAuthorization();
            backend.MapSampleBackend("/backend");
            backend.MapGet("/health/ready", () => "ok");
            MapStats(backend);
            await backend.RunAsync();
            return;
        }

        if (mode == "serve-bare-proxy")
        {
            // BENCH_BACKEND_URL (…/backend) and BENCH_BACKEND_TOKEN (a token for the backend's audience): the same call the
            // governed server makes for get_vehicle_inventory, with nothing around it.
            var backendUrl = new Uri(Environment.GetEnvironmentVariable("BENCH_BACKEND_URL")!.TrimEnd('/') + "/");
            var backendToken = Environment.GetEnvironmentVariable("BENCH_BACKEND_TOKEN");
            builder.Services.AddHttpClient("backend", c =>
            {
                c.BaseAddress = backendUrl;
                c.DefaultRequestHeaders.Authorization = new("Bearer", backendToken);
            });
            builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "bare-proxy", Version = "1.0" })
                .WithHttpTransport()
                .WithTools([McpServerTool.Create(
                    async (McpServer server, CancellationToken cancellationToken) =>
                        await server.Services!.GetRequiredService<IHttpClientFactory>().CreateClient("backend")
                            .GetStringAsync("v1/inventory", cancellationToken).ConfigureAwait(false),
                    new McpServerToolCreateOptions { Name = "get_vehicle_inventory", ReadOnly = true })]);
            var proxy = builder.Build();
            proxy.MapMcp("/mcp");
            proxy.MapGet("/health/ready", () => "ok");
            MapStats(proxy);
            await proxy.RunAsync();
            return;
        }

        if (mode == "serve-bare")
        {
            builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "bare", Version = "1.0" })
                .WithHttpTransport()
                .WithTools([McpServerTool.Create(([Description("The message")] string message) => "Echo: " + message, new McpServerToolCreateOptions { Name = "echo", ReadOnly = true })]);
            var bare = builder.Build();
            bare.MapMcp("/mcp");
            bare.MapGet("/health/ready", () => "ok");
            MapStats(bare);
            await bare.RunAsync();
            return;
        }

        // Experiment switches (not used by build/bench-http.sh's headline figures): BENCH_AUDIT=flushed|queued|off.
        var audit = Path.Combine(Path.GetTempPath(), "msil-bench-audit-" + Environment.ProcessId);
        var auditMode = Environment.GetEnvironmentVariable("BENCH_AUDIT") ?? "flushed";
        var mcp = builder.Services.AddMsilMcp()
            .AddMsilAuth(o => o.DevelopmentIssuer.Enabled = true)
            .AddOpaPolicy()
            .AddToolExecutor<EchoExecutor>()
            .AddTools("bench", [EchoExecutor.Definition]);
        // Rate limiting stays on, with limits far above what one client on loopback can reach.
        builder.Services.Configure<Msil.Mcp.RateLimiting.RateLimitOptions>(o =>
        {
            o.PerUser.PermitsPerMinute = o.Read.PermitsPerMinute = 100_000_000;
            o.PerUser.Burst = o.Read.Burst = 1_000_000;
        });
        if (auditMode != "off")
        {
            mcp.AddAudit(o =>
            {
                o.Directory = audit;
                o.Durability = auditMode == "queued" ? Msil.Mcp.Audit.AuditDurability.Queued : Msil.Mcp.Audit.AuditDurability.Flushed;
            });
        }
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMsilMcp("/mcp").RequireAuthorization();
        app.MapGet("/health/ready", () => "ok");
        MapStats(app);
        await app.RunAsync();
    }

    /// <summary>
    /// <c>GET /bench/stats</c>: the process's allocated bytes (all threads, precise) and CPU time so far, for
    /// build/bench-http.sh to print allocation and CPU per call (difference across a wrk run divided by its requests).
    /// </summary>
    private static void MapStats(WebApplication app) => app.MapGet("/bench/stats", () =>
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return Results.Text(FormattableString.Invariant(
            $"allocated={GC.GetTotalAllocatedBytes(precise: true)} cpu_us={(long)process.TotalProcessorTime.TotalMicroseconds} gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)}\n"));
    });

    private sealed class EchoExecutor : IToolExecutor
    {
        public static readonly ToolDefinition Definition = new()
        {
            Name = "echo",
            Description = "Echoes the message.",
            RiskLevel = RiskLevel.Read,
            InputSchema = JsonDocument.Parse("""{"type":"object","properties":{"message":{"type":"string","maxLength":1000}},"required":["message"],"additionalProperties":false}""").RootElement.Clone(),
            Executor = "bench-echo",
            Source = "bench",
            ContentHash = "bench-echo-1",
        };

        public string Kind => "bench-echo";

        public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
        {
            var text = "Echo: " + invocation.Arguments["message"].GetString();
            return new(new ToolResult { Text = text, Size = text.Length });
        }
    }
}
