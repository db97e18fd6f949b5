using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Msil.Mcp.WebUi.Auth;

namespace Msil.Mcp.WebUi;

/// <summary>
/// Calls the MCP server's REST APIs from a console's own HTTP endpoints (a download, a proxied export), as the user of
/// the HTTP request, where there is no interactive circuit and so no <see cref="MsilApiClient"/>. The access token stays on
/// the server, as it does for <see cref="MsilApiClient"/>.
/// </summary>
/// <remarks>Registered as a singleton by <see cref="WebUiServiceCollectionExtensions.AddMsilWebUi"/>.</remarks>
public sealed class MsilEndpointApiClient
{
    private readonly IHttpClientFactory _httpClients;
    private readonly IOptionsMonitor<MsilWebUiOptions> _options;
    private readonly WebUiTokenProvider _tokens;

    internal MsilEndpointApiClient(IHttpClientFactory httpClients, IOptionsMonitor<MsilWebUiOptions> options, WebUiTokenProvider tokens)
    {
        _httpClients = httpClients;
        _options = options;
        _tokens = tokens;
    }

    /// <summary>
    /// Sends <paramref name="request"/> to the server of <paramref name="console"/> with the access token of the signed-in
    /// user of <paramref name="context"/>; the answer is returned as soon as its headers are read, whatever its status, so
    /// that it can be streamed on (read an error answer with <see cref="MsilApiClient.ReadProblemAsync"/>).
    /// </summary>
    /// <param name="context">The console endpoint's HTTP request, whose user is signed in to <paramref name="console"/>.</param>
    /// <param name="console">The console's name, as given to <see cref="WebUiServiceCollectionExtensions.AddMsilWebUi"/>.</param>
    /// <param name="request">
    /// The request; a relative URI (<c>api/audit/export?user=alice</c>) is resolved against the console's
    /// <see cref="MsilWebUiOptions.ServerUrl"/>, or the host of <paramref name="context"/> when none is set.
    /// </param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response; the caller disposes it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> or <paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="console"/> is empty.</exception>
    /// <exception cref="MsilSignInRequiredException">The user has no session, or its token expired and could not be refreshed.</exception>
    /// <exception cref="HttpRequestException">The server could not be reached.</exception>
    public async Task<HttpResponseMessage> SendAsync(HttpContext context, string console, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrWhiteSpace(console);
        ArgumentNullException.ThrowIfNull(request);
        var token = await _tokens.GetAccessTokenAsync(context.User, cancellationToken).ConfigureAwait(false);
        if (request.RequestUri is not { IsAbsoluteUri: true })
        {
            var server = _options.Get(console).ServerUrl ?? new Uri($"{context.Request.Scheme}://{context.Request.Host}/");
            request.RequestUri = new Uri(new Uri(server.AbsoluteUri.TrimEnd('/') + "/"), request.RequestUri?.OriginalString ?? string.Empty);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _httpClients.CreateClient(WebUiServiceCollectionExtensions.ApiClientName)
            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }
}
