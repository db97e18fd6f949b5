using Msil.Mcp.Chat;
using Msil.Mcp.SampleBackend;
using Msil.Mcp.WebUi;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Msil.Mcp.ReferenceServer;

/// <summary>
/// The reference server: every Msil.Mcp package composed into one governed MCP server, with the sample backend standing
/// in for the API manager in-process. With no configuration it runs on its embedded defaults at http://127.0.0.1:5100.
/// </summary>
public static class ReferenceServerApp
{
    /// <summary>The address used when none is configured (<c>--urls</c> or <c>ASPNETCORE_URLS</c>).</summary>
    public const string DefaultUrl = "http://127.0.0.1:5100";

    /// <summary>Builds the server; call <c>RunAsync()</c> or <c>StartAsync()</c> on the result.</summary>
    /// <param name="args">Command-line arguments (for example <c>--urls http://127.0.0.1:5199</c>).</param>
    /// <param name="configure">Extra configuration for tests; may be <see langword="null"/>.</param>
    /// <returns>The application.</returns>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var urls = builder.Configuration["urls"];
        var self = SelfUrl(urls);

        // Listen where configured (a container sets ASPNETCORE_URLS=http://+:8080); else on loopback only.
        builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(urls) ? DefaultUrl : urls);

        // Defaults that depend on where the server listens; explicit configuration wins.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Msil:Mcp:Apim:GatewayUrl"] = builder.Configuration["Msil:Mcp:Apim:GatewayUrl"] ?? self + "/backend",
            ["Msil:Mcp:Auth:DevelopmentIssuer:Issuer"] = builder.Configuration["Msil:Mcp:Auth:DevelopmentIssuer:Issuer"] ?? self + "/dev/oidc",
        });
        AddTelemetry(builder);

        // Graceful shutdown (SIGTERM): Kestrel stops accepting, in-flight calls finish, then the audit sink flushes its
        // outbox, all within HostOptions:ShutdownTimeout (default 30 s; keep it below the pod's grace period).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"));
        var mcp = builder.AddMsilMcp();
        var config = builder.Configuration;
        mcp.AddMsilAuth(config.GetSection("Msil:Mcp:Auth"))
            .AddToolRegistry(config.GetSection("Msil:Mcp:Registry"))
            .AddOpenApiSource(SampleBackendOpenApi.DocumentName, SampleBackendOpenApi.OpenDocument, audience: SampleBackendDefaults.Audience)
            .AddOpaPolicy(config.GetSection("Msil:Mcp:Policy"))
            .AddElevation(config.GetSection("Msil:Mcp:Elevation"))
            .AddApim(config.GetSection("Msil:Mcp:Apim"))
            .AddAudit(config.GetSection("Msil:Mcp:Audit"));

        // The sample backend trusts the same issuer but only tokens for its own audience: the MCP server must
        // exchange the caller's token, it cannot pass it through.
        // Its /_test endpoints show every caller's recorded headers: Development only unless SampleBackend:EnableTestEndpoints says.
        builder.Services.AddSampleBackend(o =>
        {
            o.Authority = config["SampleBackend:Authority"] ?? config["Msil:Mcp:Auth:DevelopmentIssuer:Issuer"];
            o.EnableTestEndpoints = bool.TryParse(config["SampleBackend:EnableTestEndpoints"], out var enabled) ? enabled : null;
        });

        // The admin console at /admin (package Msil.Mcp.Admin): signs users in with the development issuer in Development,
        // else with Msil:Mcp:Admin:Authority; without either it is not mounted.
        var admin = !string.IsNullOrEmpty(config["Msil:Mcp:Admin:Authority"])
            || (bool.TryParse(config["Msil:Mcp:Auth:DevelopmentIssuer:Enabled"], out var devIssuer) && devIssuer);
        if (admin)
        {
            builder.Services.AddMsilMcpAdmin(o => o.Authority ??= new Uri(config["Msil:Mcp:Auth:DevelopmentIssuer:Issuer"]!));
        }

        // The consoles read their own sections under Msil:Mcp: declared, so the start-up key check knows their keys.
        mcp.AddConfigurationSection(config.GetSection("Msil:Mcp:Admin"), typeof(MsilWebUiOptions))
            .AddConfigurationSection(config.GetSection("Msil:Mcp:Chat"), typeof(MsilWebUiOptions))
            .AddConfigurationSection(config.GetSection("Msil:Mcp:Chat"), typeof(MsilMcpChatOptions));

        // The chat host at /chat (package Msil.Mcp.Chat): same sign-in as the console (Msil:Mcp:Chat:Authority, else the
        // development issuer); models under Msil:Mcp:Chat:Models, none means manual mode only.
        var chat = !string.IsNullOrEmpty(config["Msil:Mcp:Chat:Authority"]) || admin;
        if (chat)
        {
            builder.Services.AddMsilMcpChat(_ => { }, o => o.Authority ??= new Uri(config["Msil:Mcp:Auth:DevelopmentIssuer:Issuer"]!));
        }

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMsilMcpHealthChecks("/health");
        // Operators and admins only (Msil:Mcp:OperatorRole, operator by default, and Msil:Mcp:AdminRole), unless Msil:Mcp:AllowAnonymousMetrics is set for a
        // scrape address callers cannot reach: the metrics name every tool and count every outcome.
        app.MapPrometheusScrapingEndpoint("/metrics").RequireMsilMcpMetricsAccess();
        app.MapMsilMcp("/mcp").RequireAuthorization();
        app.MapSampleBackend("/backend");
        if (admin)
        {
            app.MapMsilMcpAdmin("/admin");
        }

        if (chat)
        {
            app.MapMsilMcpChat("/chat");
        }

        if (app.Environment.IsDevelopment())
        {
            app.Lifetime.ApplicationStarted.Register(() => PrintWelcome(self, admin, chat));
        }

        return app;
    }

    /// <summary>
    /// Metrics (every Msil.Mcp meter, the MCP SDK's, ASP.NET Core, HttpClient and the runtime) in Prometheus format at
    /// <c>/metrics</c> (operators only, see <c>RequireMsilMcpMetricsAccess</c>); traces from the same sources, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
    /// (an X-Ray path goes through the collector). Logs are JSON lines on stdout outside Development (appsettings).
    /// </summary>
    private static void AddTelemetry(WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["Msil:Mcp:ServerName"] ?? "msil-reference-server"))
            .WithMetrics(m =>
            {
                // Every Msil.Mcp meter and the MCP SDK's, the SDK's kept to the tags that carry no caller input.
                m.AddMsilMcpInstrumentation()
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlp)
                {
                    m.AddOtlpExporter();
                }
            })
            .WithTracing(t =>
            {
                t.AddMsilMcpInstrumentation()
                    .AddAspNetCoreInstrumentation(o => o.Filter = c => !c.Request.Path.StartsWithSegments("/health") && !c.Request.Path.StartsWithSegments("/metrics"))
                    .AddHttpClientInstrumentation()
                    // The packages' one shared Redis connection (Msil:Mcp:Redis), when there is one.
                    .AddRedisInstrumentation()
                    .ConfigureRedisInstrumentation(static (sp, redis) =>
                    {
                        if (sp.GetKeyedService<StackExchange.Redis.IConnectionMultiplexer>(Msil.Mcp.Redis.MsilMcpRedisOptions.ServiceKey) is { } connection)
                        {
                            redis.AddConnection(connection);
                        }
                    });
                if (otlp)
                {
                    t.AddOtlpExporter();
                }
            });
    }

    internal static string SelfUrl(string? urls)
    {
        var first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (string.IsNullOrEmpty(first))
        {
            return DefaultUrl;
        }

        return first.Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .TrimEnd('/');
    }

    private static void PrintWelcome(string self, bool admin, bool chat) => Console.WriteLine($"""

        Msil.Mcp reference server is ready.
          MCP endpoint     {self}/mcp   (Streamable HTTP, bearer token required)
          Admin console    {(admin ? self + "/admin/   (sign in as carol)" : "off: set Msil:Mcp:Admin:Authority")}
          Chat             {(chat ? self + "/chat/    (sign in as bob; manual mode needs no model, Msil:Mcp:Chat:Models adds one)" : "off: set Msil:Mcp:Chat:Authority")}
          Demo users       alice (viewer: read tools), bob (operator: read + write), carol (admin: + privileged with elevation)
          Get a token      curl -s -X POST {self}/dev/oidc/token -d username=bob
          Try a client     npx -y @modelcontextprotocol/inspector@2.12.0 --cli {self}/mcp --transport http --header "Authorization: Bearer <token>" --method tools/list   (Node 22)
          Discovery API    curl -s -H "Authorization: Bearer <token>" {self}/api/mcp/tools
          Audit log        ./audit-logs (hash-chained JSON lines)

        """);
}
