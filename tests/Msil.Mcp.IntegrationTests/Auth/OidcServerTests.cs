using System.Net;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.IntegrationTests.Infrastructure;

namespace Msil.Mcp.IntegrationTests.Auth;

/// <summary>Msil.Mcp.Auth's production path: an external OIDC issuer discovered over HTTP (the OIDC server of build/test.sh).</summary>
[Trait("Category", "Integration")]
public sealed class OidcServerTests : IAsyncLifetime
{
    private const string Audience = "api://msil-mcp-server";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };
    private WebApplication? _app;
    private string _issuer = string.Empty;
    private string _tokenEndpoint = string.Empty;
    private string _baseUrl = string.Empty;

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _issuer = TestServices.Require("OIDC_ISSUER");
        _tokenEndpoint = TestServices.Require("OIDC_TOKEN_ENDPOINT");
        _baseUrl = $"http://127.0.0.1:{Msil.Mcp.Testing.LoopbackPorts.Free()}";
        var builder = WebApplication.CreateBuilder(["--environment", "Production", "--AllowedHosts", "127.0.0.1"]);
        builder.WebHost.UseUrls(_baseUrl);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMsilMcp().AddMsilAuth(o =>
        {
            o.Audience = Audience;
            o.Issuers.Add(new() { Issuer = _issuer, RequireHttpsMetadata = false });
        });
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapGet("/whoami", (HttpContext context, ICallerIdentityResolver resolver) =>
        {
            var caller = resolver.Resolve(context.User);
            return Results.Json(new Dictionary<string, object?>
            {
                ["user_id"] = caller.UserId,
                ["sub"] = caller.Subject,
                ["oid"] = caller.ObjectId,
                ["roles"] = caller.Roles,
                ["groups"] = caller.Groups,
                ["issuer"] = caller.Issuer,
            });
        }).RequireAuthorization();
        _app.MapMsilMcp("/mcp").RequireAuthorization();
        await _app.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Validate_TokenFromOidcServer_MapsIdentity()
    {
        var token = await TokenAsync(Audience, new { sub = "user-1", oid = "00000000-0000-0000-0000-000000000001", preferred_username = "dana@example.test", roles = new[] { "operator" }, groups = new[] { "g1", "g2" } });

        var me = await WhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.OK, me.Status);
        Assert.Equal("dana@example.test", me.Body.GetProperty("user_id").GetString());
        Assert.Equal("user-1", me.Body.GetProperty("sub").GetString());
        Assert.Equal("00000000-0000-0000-0000-000000000001", me.Body.GetProperty("oid").GetString());
        Assert.Equal(["operator"], me.Body.GetProperty("roles").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["g1", "g2"], me.Body.GetProperty("groups").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(_issuer, me.Body.GetProperty("issuer").GetString());
    }

    [Fact]
    public async Task Validate_WrongAudience_Unauthorized()
    {
        var token = await TokenAsync("api://someone-else", new { sub = "user-1", oid = "o", preferred_username = "dana@example.test" });

        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(token)).Status);
    }

    [Fact]
    public async Task Validate_MissingRequiredClaim_Unauthorized()
    {
        var token = await TokenAsync(Audience, new { sub = "user-1", preferred_username = "dana@example.test" });

        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(token)).Status);
    }

    [Fact]
    public async Task Validate_TamperedPayload_Unauthorized()
    {
        var token = await TokenAsync(Audience, new { sub = "user-1", oid = "o", preferred_username = "dana@example.test", roles = new[] { "viewer" } });
        var parts = token.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlDecode(parts[1]))!;
        payload["roles"] = JsonSerializer.SerializeToElement(new[] { "admin" });
        var forged = parts[0] + "." + Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(payload)) + "." + parts[2];

        Assert.Equal(HttpStatusCode.Unauthorized, (await WhoAmIAsync(forged)).Status);
    }

    private async Task<string> TokenAsync(string audience, object claims)
    {
        using var response = await _http.PostAsync(_tokenEndpoint, new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"),
            new("aud", audience),
            new("claims", JsonSerializer.Serialize(claims)),
        ]), Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("access_token").GetString()!;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> WhoAmIAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_baseUrl}/whoami");
        request.Headers.Authorization = new("Bearer", token);
        using var response = await _http.SendAsync(request, Ct);
        var body = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(Ct) : default;
        return (response.StatusCode, body);
    }

    private static byte[] Base64UrlDecode(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

}
