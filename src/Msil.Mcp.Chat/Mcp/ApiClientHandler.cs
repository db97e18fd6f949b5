using Msil.Mcp.WebUi;

namespace Msil.Mcp.Chat.Mcp;

/// <summary>
/// Sends the MCP client's HTTP requests through the shell's <see cref="MsilApiClient"/>, which attaches the signed-in
/// user's own access token (refreshing it when needed); the token never reaches the chat's code or the browser.
/// </summary>
internal sealed class ApiClientHandler(MsilApiClient api) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => api.SendAsync(request, cancellationToken);
}
