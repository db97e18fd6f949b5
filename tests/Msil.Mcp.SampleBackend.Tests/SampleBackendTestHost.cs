using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Msil.Mcp.SampleBackend.Tests;

/// <summary>
/// The sample backend on a TestServer, with an RSA key of its own that it trusts, and helpers to mint tokens and call it.
/// </summary>
internal sealed class SampleBackendTestHost : IAsyncDisposable
{
    public const string Issuer = "https://issuer.test.example";
    public const string Subject = "dealer.ops@msil.example";

    private readonly RSA _rsa;
    private readonly RsaSecurityKey _key;
    private readonly WebApplication _app;

    private SampleBackendTestHost(RSA rsa, RsaSecurityKey key, WebApplication app)
    {
        _rsa = rsa;
        _key = key;
        _app = app;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<SampleBackendTestHost> StartAsync(Action<SampleBackendOptions>? configure = null, string? environment = null, bool testEndpoints = true)
    {
        var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "sample-backend-test" };

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment ?? "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSampleBackend(options =>
        {
            options.IssuerSigningKeys.Add(key);
            options.Issuer = Issuer;
            options.EnableTestEndpoints = testEndpoints ? true : null;
            configure?.Invoke(options);
        });

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapSampleBackend();
        await app.StartAsync(Ct);
        return new SampleBackendTestHost(rsa, key, app);
    }

    /// <summary>Mints an RS256 token signed with the key the backend trusts.</summary>
    public string MintToken(string audience = SampleBackendDefaults.Audience, IDictionary<string, object>? claims = null)
    {
        var allClaims = new Dictionary<string, object>
        {
            ["sub"] = Subject,
            ["azp"] = "msil-mcp-server",
            ["act"] = new Dictionary<string, object> { ["sub"] = "msil-mcp-server" },
            ["scope"] = "dealer.read booking.write",
        };
        foreach (var (name, value) in claims ?? new Dictionary<string, object>())
        {
            allClaims[name] = value;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = allClaims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>Builds a request that carries a valid token for the backend unless <paramref name="token"/> says otherwise.</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, object? body = null, string? token = "")
    {
        var request = new HttpRequestMessage(method, path);
        token = token == string.Empty ? MintToken() : token;
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = body switch
            {
                HttpContent content => content,
                string json => new StringContent(json, Encoding.UTF8, "application/json"),
                _ => JsonContent.Create(body),
            };
        }

        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? token = "") =>
        Client.SendAsync(Request(method, path, body, token), Ct);

    public static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))
        ?? throw new InvalidOperationException("The response body was JSON null.");

    public async Task<JsonNode> GetStatsAsync()
    {
        using var response = await Client.GetAsync("/backend/_test/stats", Ct);
        response.EnsureSuccessStatusCode();
        return await ReadJsonAsync(response);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
        _rsa.Dispose();
    }
}
