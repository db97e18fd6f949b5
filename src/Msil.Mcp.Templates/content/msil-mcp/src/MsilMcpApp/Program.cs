using MsilMcpApp;
#if (console)
using Msil.Mcp.WebUi;
#endif

// A governed MCP server: every call is authenticated (the development issuer in Development), allowed by policy
// (roles -> risk levels), audited (hash-chained files in audit-logs/), and privileged tools need an approved elevation.
return await MsilMcpHostExtensions.RunMsilMcpAsync(() => CreateApp(args));

static WebApplication CreateApp(string[] args)
{
    var builder = WebApplication.CreateBuilder(args);
    var config = builder.Configuration;
    var self = (config["urls"] ?? "http://127.0.0.1:5300").Split(';')[0].TrimEnd('/');
    builder.WebHost.UseUrls(self);

    // Defaults that depend on where the server listens; explicit configuration wins.
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Msil:Mcp:Auth:DevelopmentIssuer:Issuer"] = config["Msil:Mcp:Auth:DevelopmentIssuer:Issuer"] ?? self + "/dev/oidc",
        // The OpenAPI tools call this gateway; here the host serves the orders API itself (OrdersApi.cs).
        ["Msil:Mcp:Apim:GatewayUrl"] = config["Msil:Mcp:Apim:GatewayUrl"] ?? self + OrdersApi.BasePath,
    });

    builder.Services.AddSingleton<OrderStore>();
    var mcp = builder.AddMsilMcp()                                     // binds Msil:Mcp
        .AddMsilAuth(config.GetSection("Msil:Mcp:Auth"))
        .AddToolRegistry(config.GetSection("Msil:Mcp:Registry"))      // imports openapi/orders.yaml (appsettings.json)
        .AddOpaPolicy(config.GetSection("Msil:Mcp:Policy"))
        .AddElevation(config.GetSection("Msil:Mcp:Elevation"))
        .AddApim(config.GetSection("Msil:Mcp:Apim"))
        .AddAudit(config.GetSection("Msil:Mcp:Audit"))
        .AddOrderTools();                                              // generated from [MsilToolClass] OrderTools
#if (console)

    // The admin console at /admin: sign in as carol (admin) with the development issuer.
    builder.Services.AddMsilMcpAdmin(o => o.Authority ??= new Uri(builder.Configuration["Msil:Mcp:Auth:DevelopmentIssuer:Issuer"]!));
    mcp.AddConfigurationSection(config.GetSection("Msil:Mcp:Admin"), typeof(MsilWebUiOptions));
#endif

    var app = builder.Build();
    app.UseAuthentication();
    app.UseAuthorization();
    app.MapMsilMcpHealthChecks("/health");                            // /health/live and /health/ready
    app.MapMsilMcp("/mcp").RequireAuthorization();
    app.MapOrdersApi();
#if (console)
    app.MapMsilMcpAdmin("/admin");
#endif
    if (app.Environment.IsDevelopment())
    {
        app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"""

            MsilMcpApp is ready: {self}/mcp (Streamable HTTP, bearer token required)
              Token    curl -s -X POST {self}/dev/oidc/token -d username=bob
              Users    alice (viewer: read tools), bob (operator: + write), carol (admin: + privileged, with elevation)
            """));
    }

    return app;
}
