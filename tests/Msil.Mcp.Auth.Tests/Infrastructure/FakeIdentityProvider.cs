using System.Text.Json.Nodes;

namespace Msil.Mcp.Auth.Tests.Infrastructure;

/// <summary>An OIDC issuer on a loopback port: discovery and JWKS only, with a fetch counter; can be stopped mid-test.</summary>
internal sealed class FakeIdentityProvider : IAsyncDisposable
{
    private WebApplication? _app;
    private int _jwksFetches;
    private int _discoveryFetches;

    private FakeIdentityProvider(int port)
    {
        Port = port;
        Issuer = $"http://127.0.0.1:{port}";
        Forge = new TokenForge(Issuer);
    }

    public int Port { get; }

    public string Issuer { get; }

    public TokenForge Forge { get; }

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    public int DiscoveryFetches => Volatile.Read(ref _discoveryFetches);

    public static Task<FakeIdentityProvider> StartAsync() => Loopback.StartOnFreePortAsync(async port =>
    {
        var idp = new FakeIdentityProvider(port);
        await idp.StartAgainAsync();
        return idp;
    });

    public async Task StartAgainAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls(Issuer);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () =>
        {
            Interlocked.Increment(ref _discoveryFetches);
            return Results.Text(new JsonObject
            {
                ["issuer"] = Issuer,
                ["jwks_uri"] = Issuer + "/jwks",
                ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            }.ToJsonString(), "application/json");
        });
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref _jwksFetches);
            return Results.Text(new JsonObject { ["keys"] = new JsonArray(Forge.Jwk()) }.ToJsonString(), "application/json");
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Forge.Dispose();
    }
}
