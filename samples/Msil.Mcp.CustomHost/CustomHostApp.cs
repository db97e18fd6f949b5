namespace Msil.Mcp.CustomHost;

/// <summary>
/// A team's own governed MCP host: core, Auth (the development issuer in Development), the embedded OPA policy,
/// audit and elevation, and its own generated tools. Everything is configured in code, so it publishes trimmed.
/// </summary>
public static class CustomHostApp
{
    /// <summary>The address used when none is configured (<c>--urls</c> or <c>ASPNETCORE_URLS</c>).</summary>
    public const string DefaultUrl = "http://127.0.0.1:5200";

    /// <summary>Builds the host; call <c>RunAsync()</c> or <c>StartAsync()</c> on the result.</summary>
    /// <param name="args">Command-line arguments (for example <c>--urls http://127.0.0.1:5299</c>).</param>
    /// <param name="configure">Extra configuration for tests; may be <see langword="null"/>.</param>
    /// <returns>The application.</returns>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var self = (builder.Configuration["urls"] ?? DefaultUrl).Split(';')[0].TrimEnd('/');
        builder.WebHost.UseUrls(self);
        var development = builder.Environment.IsDevelopment();

        builder.Services.AddSingleton<InventoryStore>();
        builder.Services.AddMsilMcp(o => o.ServerName = "inventory")
            .AddMsilAuth(o =>
            {
                o.DevelopmentIssuer.Enabled = development;
                o.DevelopmentIssuer.Issuer = self + "/dev/oidc";
            })
            .AddOpaPolicy()
            .AddElevation(o => o.EnableDevelopmentApprovalPage = development)
            .AddAudit(o => o.Directory = Path.Combine(builder.Environment.ContentRootPath, "audit-logs"))
            .AddInventoryTools();

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMsilMcpHealthChecks("/health");
        app.MapMsilMcp("/mcp").RequireAuthorization();
        return app;
    }
}
