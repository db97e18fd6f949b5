using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Msil.Mcp.Auth.Development;
using Msil.Mcp.Auth.Tests.Infrastructure;

namespace Msil.Mcp.Auth.Tests.Development;

/// <summary>The development issuer's authorization-code flow with PKCE: login page, single-use bound codes, ID token, discovery.</summary>
public sealed partial class DevelopmentAuthorizeTests
{
    private const string ClientId = "msil-admin";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CodeFlow_SignInAsCarol_TokensForCarolWithNonce()
    {
        await using var host = await StartAsync();
        using var browser = Browser();
        var redirect = host.BaseUrl + "/admin/signin-oidc";
        var (verifier, challenge) = Pkce();

        var code = await SignInAsync(host, browser, redirect, challenge, "carol", state: "s-1", nonce: "n-1");
        using var response = await RedeemAsync(host, browser, code, redirect, verifier);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        var access = new JsonWebToken(body.GetProperty("access_token").GetString());
        Assert.Equal("user-carol", access.Subject);
        Assert.Equal(["api://msil-mcp-server"], access.Audiences);
        var id = new JsonWebToken(body.GetProperty("id_token").GetString());
        Assert.Equal([ClientId], id.Audiences);
        Assert.Equal("n-1", id.GetClaim("nonce").Value);
        Assert.Equal(host.BaseUrl + "/dev/oidc", id.Issuer);
    }

    [Fact]
    public async Task Redeem_SecondTime_Refused()
    {
        await using var host = await StartAsync();
        using var browser = Browser();
        var redirect = host.BaseUrl + "/admin/signin-oidc";
        var (verifier, challenge) = Pkce();
        var code = await SignInAsync(host, browser, redirect, challenge, "carol");
        using var first = await RedeemAsync(host, browser, code, redirect, verifier);

        using var second = await RedeemAsync(host, browser, code, redirect, verifier);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Contains("invalid_grant", await second.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redeem_WrongVerifier_RefusedAndCodeConsumed()
    {
        await using var host = await StartAsync();
        using var browser = Browser();
        var redirect = host.BaseUrl + "/admin/signin-oidc";
        var (verifier, challenge) = Pkce();
        var code = await SignInAsync(host, browser, redirect, challenge, "alice");

        using var wrong = await RedeemAsync(host, browser, code, redirect, Pkce().Verifier);
        using var right = await RedeemAsync(host, browser, code, redirect, verifier);

        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("code_verifier", await wrong.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);
    }

    [Fact]
    public async Task Redeem_OtherRedirectUri_Refused()
    {
        await using var host = await StartAsync();
        using var browser = Browser();
        var redirect = host.BaseUrl + "/admin/signin-oidc";
        var (verifier, challenge) = Pkce();
        var code = await SignInAsync(host, browser, redirect, challenge, "carol");

        using var response = await RedeemAsync(host, browser, code, host.BaseUrl + "/chat/signin-oidc", verifier);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("redirect_uri", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_UnregisteredRedirect_ShownNotRedirected()
    {
        await using var host = await StartAsync();
        using var browser = Browser();

        using var response = await browser.GetAsync(AuthorizeUrl(host, "http://evil.example/cb", Pkce().Challenge), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("RedirectUris", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_WithoutPkce_ErrorSentToClient()
    {
        await using var host = await StartAsync();
        using var browser = Browser();
        var redirect = host.BaseUrl + "/admin/signin-oidc";

        using var response = await browser.GetAsync(AuthorizeUrl(host, redirect, challenge: string.Empty), Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var query = QueryHelpers.ParseQuery(response.Headers.Location!.Query);
        Assert.Equal("invalid_request", query["error"].ToString());
    }

    [Fact]
    public async Task LoginPage_ListsUsers_StrictPolicyAndAntiforgery()
    {
        await using var host = await StartAsync();
        using var browser = Browser();

        using var response = await browser.GetAsync(AuthorizeUrl(host, host.BaseUrl + "/admin/signin-oidc", Pkce().Challenge), Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            Assert.Contains($"value=\"{user}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("__RequestVerificationToken", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("style=", html, StringComparison.OrdinalIgnoreCase);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("default-src 'none'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_PostWithoutAntiforgeryToken_Refused()
    {
        await using var host = await StartAsync();
        using var browser = Browser();
        var fields = Fields(host.BaseUrl + "/admin/signin-oidc", Pkce().Challenge, "s", "n");
        fields["username"] = "carol";

        using var response = await browser.PostAsync(host.BaseUrl + "/dev/oidc/authorize", new FormUrlEncodedContent(fields), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Discovery_AdvertisesCodeFlowWithPkceAndEndSession()
    {
        await using var host = await StartAsync();

        var doc = JsonDocument.Parse(await host.Http.GetStringAsync(host.BaseUrl + "/dev/oidc/.well-known/openid-configuration", Ct)).RootElement;

        Assert.Equal(host.BaseUrl + "/dev/oidc/authorize", doc.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(host.BaseUrl + "/dev/oidc/end_session", doc.GetProperty("end_session_endpoint").GetString());
        Assert.Contains("authorization_code", doc.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["S256"], doc.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task EndSession_RegisteredPostLogout_Redirected_OtherwisePage()
    {
        await using var host = await StartAsync();
        using var browser = Browser();
        var back = host.BaseUrl + "/admin/signout-callback-oidc";

        using var registered = await browser.GetAsync(host.BaseUrl + "/dev/oidc/end_session?post_logout_redirect_uri=" + Uri.EscapeDataString(back) + "&state=x", Ct);
        using var other = await browser.GetAsync(host.BaseUrl + "/dev/oidc/end_session?post_logout_redirect_uri=" + Uri.EscapeDataString("http://evil.example/"), Ct);

        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        Assert.Equal(back + "?state=x", registered.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Null(other.Headers.Location);
    }

    [Fact]
    public void Redeem_AfterSixtySeconds_Expired()
    {
        var time = new FakeTimeProvider();
        var codes = new DevelopmentAuthorizationCodes(time);
        var (verifier, challenge) = Pkce();
        var code = codes.Issue(expires => new AuthorizationCode("carol", ClientId, "http://127.0.0.1:1/admin/signin-oidc", challenge, null, "openid", expires));

        time.Advance(TimeSpan.FromSeconds(61));
        var (redeemed, error) = codes.Redeem(code, ClientId, "http://127.0.0.1:1/admin/signin-oidc", verifier);

        Assert.Null(redeemed);
        Assert.Contains("expired", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Redeem_OtherClient_Refused()
    {
        var codes = new DevelopmentAuthorizationCodes(new FakeTimeProvider());
        var (verifier, challenge) = Pkce();
        var code = codes.Issue(expires => new AuthorizationCode("carol", ClientId, "http://127.0.0.1:1/admin/signin-oidc", challenge, null, "openid", expires));

        var (redeemed, error) = codes.Redeem(code, "msil-chat", "http://127.0.0.1:1/admin/signin-oidc", verifier);

        Assert.Null(redeemed);
        Assert.Contains("client_id", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5100/admin/signin-oidc", true)]
    [InlineData("http://localhost:7000/chat/signin-oidc", true)]
    [InlineData("http://[::1]:7000/admin/signin-oidc", true)]
    [InlineData("https://admin.example/admin/signin-oidc", false)]
    [InlineData("http://127.0.0.1:5100/admin/other", false)]
    [InlineData("http://127.0.0.1:5100/admin/signin-oidc?x=1", false)]
    [InlineData("http://127.0.0.1:5100/admin/signin-oidc#f", false)]
    [InlineData("/admin/signin-oidc", false)]
    public void IsRegistered_DefaultPaths_LoopbackOnly(string uri, bool expected)
        => Assert.Equal(expected, DevelopmentAuthorizationCodes.IsRegistered(uri, new DevelopmentIssuerOptions().RedirectUris));

    [Fact]
    public void IsRegistered_AbsoluteEntry_ExactMatchOnly()
    {
        string[] registered = ["https://admin.example/admin/signin-oidc"];

        Assert.True(DevelopmentAuthorizationCodes.IsRegistered("https://admin.example/admin/signin-oidc", registered));
        Assert.False(DevelopmentAuthorizationCodes.IsRegistered("https://admin.example/admin/signin-oidc/", registered));
    }

    private static Task<AuthTestHost> StartAsync()
        => AuthTestHost.StartAsync(o => o.DevelopmentIssuer.Enabled = true, environment: "Development");

    private static HttpClient Browser()
        => new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { Timeout = TimeSpan.FromSeconds(20) };

    private static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    private static Dictionary<string, string> Fields(string redirect, string challenge, string state, string nonce) => new()
    {
        ["response_type"] = "code",
        ["client_id"] = ClientId,
        ["redirect_uri"] = redirect,
        ["scope"] = "openid profile",
        ["state"] = state,
        ["nonce"] = nonce,
        ["code_challenge"] = challenge,
        ["code_challenge_method"] = "S256",
    };

    private static string AuthorizeUrl(AuthTestHost host, string redirect, string challenge)
        => QueryHelpers.AddQueryString(host.BaseUrl + "/dev/oidc/authorize", Fields(redirect, challenge, "s", "n")!);

    /// <summary>Opens the login page, presses the user's button and returns the code sent to the redirect URI.</summary>
    private static async Task<string> SignInAsync(AuthTestHost host, HttpClient browser, string redirect, string challenge, string user, string state = "s", string nonce = "n")
    {
        var page = await browser.GetStringAsync(QueryHelpers.AddQueryString(host.BaseUrl + "/dev/oidc/authorize", Fields(redirect, challenge, state, nonce)!), Ct);
        var form = HiddenField().Matches(page).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        form["username"] = user;
        using var response = await browser.PostAsync(host.BaseUrl + "/dev/oidc/authorize", new FormUrlEncodedContent(form), Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(redirect + "?", location.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(state, query["state"].ToString());
        return query["code"].ToString();
    }

    private static Task<HttpResponseMessage> RedeemAsync(AuthTestHost host, HttpClient browser, string code, string redirect, string verifier)
        => browser.PostAsync(host.BaseUrl + "/dev/oidc/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirect,
            ["client_id"] = ClientId,
            ["code_verifier"] = verifier,
        }), Ct);

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenField();
}
