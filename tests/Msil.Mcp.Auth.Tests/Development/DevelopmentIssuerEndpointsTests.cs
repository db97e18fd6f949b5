using System.Net;
using System.Text.Json;
using Msil.Mcp.Auth.Tests.Infrastructure;

namespace Msil.Mcp.Auth.Tests.Development;

/// <summary>The development issuer's JSON on the wire: the OIDC/OAuth field names, in order, and the content type.</summary>
public sealed class DevelopmentIssuerEndpointsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Discovery_OidcFieldNamesInOrder()
    {
        await using var host = await StartAsync();

        using var response = await host.Http.GetAsync(host.BaseUrl + "/dev/oidc/.well-known/openid-configuration", Ct);
        var doc = await ReadAsync(response);

        Assert.Equal(
            ["issuer", "jwks_uri", "token_endpoint", "authorization_endpoint", "end_session_endpoint", "grant_types_supported",
             "response_types_supported", "response_modes_supported", "code_challenge_methods_supported", "scopes_supported",
             "claims_supported", "subject_types_supported", "id_token_signing_alg_values_supported", "token_endpoint_auth_methods_supported"],
            Names(doc));
        Assert.Equal(host.BaseUrl + "/dev/oidc/jwks", doc.GetProperty("jwks_uri").GetString());
        Assert.Equal(["authorization_code", "password", "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
            doc.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["none", "client_secret_post"], doc.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Jwks_OneRsaSigningKey()
    {
        await using var host = await StartAsync();

        using var response = await host.Http.GetAsync(host.BaseUrl + "/dev/oidc/jwks", Ct);
        var doc = await ReadAsync(response);

        Assert.Equal(["keys"], Names(doc));
        var key = Assert.Single(doc.GetProperty("keys").EnumerateArray().ToList());
        Assert.Equal(["kty", "use", "alg", "kid", "n", "e"], Names(key));
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
    }

    [Fact]
    public async Task Token_PasswordGrant_AccessTokenWithoutOptionalFields()
    {
        await using var host = await StartAsync();

        using var response = await host.Http.PostAsync(host.BaseUrl + "/dev/oidc/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "alice" }), Ct);
        var doc = await ReadAsync(response);

        Assert.Equal(["access_token", "token_type", "expires_in"], Names(doc));
        Assert.Equal("Bearer", doc.GetProperty("token_type").GetString());
        Assert.True(doc.GetProperty("expires_in").GetInt32() > 0);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Token_UnsupportedGrant_OAuthErrorBytes()
    {
        await using var host = await StartAsync();

        using var response = await host.Http.PostAsync(host.BaseUrl + "/dev/oidc/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            """{"error":"unsupported_grant_type","error_description":"Grant \u0027client_credentials\u0027 is not supported; use \u0027password\u0027 (field \u0027username\u0027) or token exchange."}""",
            await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Token_NotAForm_InvalidRequest()
    {
        await using var host = await StartAsync();

        using var response = await host.Http.PostAsync(host.BaseUrl + "/dev/oidc/token", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), Ct);
        var doc = await ReadAsync(response, HttpStatusCode.BadRequest);

        Assert.Equal(["error", "error_description"], Names(doc));
        Assert.Equal("invalid_request", doc.GetProperty("error").GetString());
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    private static List<string> Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    private static Task<AuthTestHost> StartAsync()
        => AuthTestHost.StartAsync(o => o.DevelopmentIssuer.Enabled = true, environment: "Development");
}
