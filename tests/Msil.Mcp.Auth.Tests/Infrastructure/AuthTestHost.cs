using System.Net.Http.Headers;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Auth.Tests.Infrastructure;

/// <summary>A real host with AddMsilMcp().AddMsilAuth(…) and a protected <c>/whoami</c> endpoint, on a loopback port.</summary>
internal sealed class AuthTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AuthTestHost(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    public IServiceProvider Services => _app.Services;

    public static Task<AuthTestHost> StartAsync(Action<MsilAuthOptions> configure, string environment = "Production", Action<IServiceCollection>? services = null)
        => Loopback.StartOnFreePortAsync(port => StartAsync(configure, environment, $"http://127.0.0.1:{port}", services));

    private static async Task<AuthTestHost> StartAsync(Action<MsilAuthOptions> configure, string environment, string baseUrl, Action<IServiceCollection>? services)
    {
        var builder = WebApplication.CreateBuilder(["--environment", environment, "--AllowedHosts", "127.0.0.1"]);
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.ClearProviders();
        builder.Services.AddMsilMcp().AddMsilAuth(configure);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/whoami", (HttpContext context, ICallerIdentityResolver resolver) =>
        {
            var caller = resolver.Resolve(context.User);
            return Results.Json(new Dictionary<string, object?>
            {
                ["user_id"] = caller.UserId,
                ["sub"] = caller.Subject,
                ["roles"] = caller.Roles,
                ["groups"] = caller.Groups,
            });
        }).RequireAuthorization();
        app.MapMsilMcp("/mcp").RequireAuthorization();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new AuthTestHost(app, baseUrl);
    }

    public async Task<HttpResponseMessage> WhoAmIAsync(string? token, string? query = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, BaseUrl + "/whoami" + (query ?? string.Empty));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
