using Msil.Mcp.WebUi;

namespace Msil.Mcp.Chat.Mcp;

/// <summary>
/// Sends the MCP client's HTTP requests through the shell's <see cref="MsilApiClient"/>, which attaches the signed-in
/// user's own access token (refreshing it when needed); the token never reaches the chat's code or the browser.
/// </summary>
internal sealed class ApiClientHandler(MsilApiClient api) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => api.SendAsync(Copy(request), cancellationToken);

    /// <summary>
    /// The MCP client's own <see cref="HttpClient"/> has marked <paramref name="request"/> as sent, and the shell's client
    /// refuses a sent message: it gets a fresh one with the same method, address, version, headers and (unread) content.
    /// </summary>
    private static HttpRequestMessage Copy(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Content = request.Content,
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return copy;
    }
}
