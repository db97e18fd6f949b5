using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Msil.Mcp.Cli;

namespace Msil.Mcp.Registry.Tests.Cli;

/// <summary><c>msil-mcp token</c> against a loopback server that plays the development issuer, or has none.</summary>
public sealed class TokenCommandTests
{
    [Fact]
    public async Task Token_DevelopmentIssuer_PrintsTheTokenForTheUser()
    {
        await using var server = await StartAsync(issuer: true);

        var (code, output, _) = await RunAsync("token", "bob", "--server", server.Url);

        Assert.Equal(0, code);
        Assert.Equal("token-for-bob", output.Trim());
    }

    [Fact]
    public async Task Token_Header_PrintsTheInspectorHeaderLine()
    {
        await using var server = await StartAsync(issuer: true);

        var (code, output, _) = await RunAsync("token", "alice", "--server", server.Url, "--header");

        Assert.Equal(0, code);
        Assert.Equal("Authorization: Bearer token-for-alice", output.Trim());
    }

    [Fact]
    public async Task Token_UnknownUser_Exit2WithTheIssuersReason()
    {
        await using var server = await StartAsync(issuer: true);

        var (code, output, error) = await RunAsync("token", "mallory", "--server", server.Url);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("Unknown user 'mallory'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_ServerNotInDevelopment_Exit2SayingSo()
    {
        await using var server = await StartAsync(issuer: false);

        var (code, _, error) = await RunAsync("token", "bob", "--server", server.Url);

        Assert.Equal(2, code);
        Assert.Contains("has no development issuer at /dev/oidc", error, StringComparison.Ordinal);
        Assert.Contains("Development", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_NothingListening_Exit2NamingTheServer()
    {
        string url;
        await using (var server = await StartAsync(issuer: false))
        {
            url = server.Url;
        }

        var (code, _, error) = await RunAsync("token", "bob", "--server", url);

        Assert.Equal(2, code);
        Assert.Contains("cannot reach", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("token", "--server", "http://127.0.0.1:1")]
    [InlineData("token", "bob", "--server", "ftp://x")]
    public async Task Token_WrongArguments_UsageExit2(params string[] args)
    {
        var (code, _, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains("error:", error, StringComparison.Ordinal);
    }

    private static async Task<Loopback> StartAsync(bool issuer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        if (issuer)
        {
            app.MapPost("/dev/oidc/token", async (HttpContext context) =>
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted);
                var user = form["username"].ToString();
                if (form["grant_type"] != "password" || user is not ("alice" or "bob"))
                {
                    return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_grant", ["error_description"] = $"Unknown user '{user}'. Known demo users: alice, bob." }, statusCode: 400);
                }

                return Results.Json(new Dictionary<string, object> { ["access_token"] = "token-for-" + user, ["token_type"] = "Bearer", ["expires_in"] = 3600 });
            });
        }

        await app.StartAsync(TestContext.Current.CancellationToken);
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Loopback(app, url);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    private sealed record Loopback(WebApplication App, string Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync(CancellationToken.None);
            await App.DisposeAsync();
        }
    }
}
