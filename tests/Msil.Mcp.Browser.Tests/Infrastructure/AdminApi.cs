using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Msil.Mcp.Browser.Tests.Infrastructure;

/// <summary>
/// The server's admin REST API as a demo user, for what a scenario needs before or after its browser steps (seeding a
/// tool's first version, checking what the console did); the browser steps themselves go through the console only.
/// </summary>
public sealed class AdminApi(ConsoleFixture fixture, string token)
{
    /// <summary>Gets an API client acting as <paramref name="username"/> (a demo user of the development issuer).</summary>
    public static async Task<AdminApi> AsAsync(ConsoleFixture fixture, string username, CancellationToken cancellationToken)
        => new(fixture, await fixture.GetTokenAsync(username, cancellationToken));

    /// <summary>Imports <paramref name="document"/> under <paramref name="source"/> (<c>POST /api/mcp/tools/import</c>).</summary>
    /// <returns>The status code and the answer's body.</returns>
    public async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(string source, string document, bool dryRun, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/mcp/tools/import?source={Uri.EscapeDataString(source)}&dryRun={(dryRun ? "true" : "false")}")
        {
            Content = new StringContent(document, Encoding.UTF8, "application/json"),
        };
        return await SendAsync(request, cancellationToken);
    }

    /// <summary>Reads a tool as the console's detail page does (<c>GET /api/mcp/admin/tools/{name}</c>).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> GetToolAsync(string name, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/mcp/admin/tools/" + Uri.EscapeDataString(name));
        return await SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// Records an elevation grant for a demo user as the approval system does (<c>POST /api/pim/grants</c>; call this on
    /// an <see cref="AdminApi"/> of <c>pim-approver</c>).
    /// </summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> GrantAsync(string username, string scope, string approvalReference, CancellationToken cancellationToken)
        => PostAsync("/api/pim/grants", new Dictionary<string, object>
        {
            ["user_id"] = username + "@example.test",
            ["principal_key"] = PrincipalOf(username),
            ["scope"] = scope,
            ["approval_reference"] = approvalReference,
            ["expires_at"] = TimeProvider.System.GetUtcNow().AddMinutes(30).ToString("O"),
        }, cancellationToken);

    /// <summary>Gets a demo user's principal key (issuer and subject) as the server derives it.</summary>
    public string PrincipalOf(string username) => fixture.BaseUrl + "/dev/oidc|user-" + username;

    /// <summary>Sends a GET to <paramref name="path"/> and returns the status and body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync(request, cancellationToken);
    }

    /// <summary>Sends a POST with a JSON body to <paramref name="path"/> and returns the status and body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        return await SendAsync(request, cancellationToken);
    }

    /// <summary>Revokes a demo user's elevation grant for <paramref name="scope"/> (<c>DELETE /api/pim/grants/{principal}/{scope}</c>; as <c>pim-approver</c>).</summary>
    public async Task<HttpStatusCode> RevokeAsync(string username, string scope, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/api/pim/grants/" + Uri.EscapeDataString(PrincipalOf(username)) + "/" + Uri.EscapeDataString(scope));
        return (await SendAsync(request, cancellationToken)).Status;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.RequestUri = new Uri(new Uri(fixture.BaseUrl), request.RequestUri!);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await fixture.Http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, body);
    }
}
