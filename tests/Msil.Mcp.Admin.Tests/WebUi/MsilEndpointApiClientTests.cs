using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Msil.Mcp.WebUi;
using Msil.Mcp.WebUi.Auth;

namespace Msil.Mcp.Admin.Tests.WebUi;

/// <summary>
/// The shell's public client for a console's own endpoints (<see cref="MsilEndpointApiClient"/>), which the admin
/// console's audit export uses instead of the shell's internals.
/// </summary>
public sealed class MsilEndpointApiClientTests
{
    [Fact]
    public async Task SendAsync_SignedInUser_RelativePathToTheConsolesServerWithTheSessionsToken()
    {
        var handler = new RecordingHandler(HttpStatusCode.OK, "{}");
        await using var services = Services(handler);
        var context = await SignedInAsync(services, "token-carol");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/audit/export?user=alice", UriKind.Relative));

        using var response = await services.GetRequiredService<MsilEndpointApiClient>().SendAsync(context, "admin", request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(handler.Requests);
        Assert.Equal(new Uri("http://127.0.0.1:5999/base/api/audit/export?user=alice"), sent.RequestUri);
        Assert.Equal("Bearer token-carol", sent.Headers.Authorization?.ToString());
    }

    [Fact]
    public async Task SendAsync_NoSession_SignInRequiredAndNothingSent()
    {
        var handler = new RecordingHandler(HttpStatusCode.OK, "{}");
        await using var services = Services(handler);
        var context = new DefaultHttpContext { RequestServices = services, User = new ClaimsPrincipal(new ClaimsIdentity()) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/audit/export", UriKind.Relative));

        await Assert.ThrowsAsync<MsilSignInRequiredException>(() =>
            services.GetRequiredService<MsilEndpointApiClient>().SendAsync(context, "admin", request, TestContext.Current.CancellationToken));

        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task ReadProblemAsync_ProblemDetails_TitleDetailAndStatus()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.Forbidden)
        {
            Content = new StringContent("""{"type":"about:blank","title":"Forbidden","detail":"The audit.read permission is needed."}""", Encoding.UTF8, "application/problem+json"),
        };

        var problem = await MsilApiClient.ReadProblemAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal(new MsilProblem("about:blank", "Forbidden", 403, "The audit.read permission is needed."), problem);
    }

    private static ServiceProvider Services(RecordingHandler handler)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddMsilWebUi("admin", "Msil:Mcp:Admin", o =>
        {
            o.Authority = new Uri("http://127.0.0.1:5998/");
            o.ClientId = "admin-console";
            o.ServerUrl = new Uri("http://127.0.0.1:5999/base");
        });
        services.AddHttpClient("MsilWebUi.Api").ConfigurePrimaryHttpMessageHandler(() => handler);
        return services.BuildServiceProvider();
    }

    private static async Task<DefaultHttpContext> SignedInAsync(IServiceProvider services, string token)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(WebUiClaims.Console, "admin")], "test"));
        var properties = new AuthenticationProperties();
        properties.StoreTokens(
        [
            new AuthenticationToken { Name = "access_token", Value = token },
            new AuthenticationToken { Name = "expires_at", Value = DateTimeOffset.MaxValue.ToString("o", CultureInfo.InvariantCulture) },
        ]);
        await services.GetRequiredService<ServerSideTicketStore>().StoreAsync(new AuthenticationTicket(principal, properties, "test"));
        return new DefaultHttpContext { RequestServices = services, User = principal };
    }

    private sealed class RecordingHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body) });
        }
    }
}
