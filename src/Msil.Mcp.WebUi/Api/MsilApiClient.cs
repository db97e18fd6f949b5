using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.WebUi.Auth;

namespace Msil.Mcp.WebUi;

/// <summary>
/// Calls the MCP server's REST APIs as the signed-in user (their access token, kept on the server, as a bearer token).
/// JSON is snake_case; an error answer becomes a <see cref="MsilApiException"/> with the server's problem details; an
/// expired session a <see cref="MsilSignInRequiredException"/>.
/// </summary>
public sealed class MsilApiClient
{
    /// <summary>The JSON options of the server's REST APIs (snake_case).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;
    private readonly AuthenticationStateProvider _authentication;
    private readonly NavigationManager _navigation;
    private readonly IOptionsMonitor<MsilWebUiOptions> _options;
    private readonly ILogger<MsilApiClient> _logger;
    private readonly WebUiTokenProvider _tokens;
    private MsilMe? _me;

    internal MsilApiClient(HttpClient http, AuthenticationStateProvider authentication, NavigationManager navigation, IOptionsMonitor<MsilWebUiOptions> options, WebUiTokenProvider tokens, ILogger<MsilApiClient> logger)
    {
        _http = http;
        _authentication = authentication;
        _navigation = navigation;
        _options = options;
        _tokens = tokens;
        _logger = logger;
    }

    /// <summary>Gets the signed-in caller (<c>GET /api/mcp/me</c>), read once per session circuit.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The caller with their permissions.</returns>
    /// <exception cref="MsilApiException">The server answered with an error.</exception>
    /// <exception cref="MsilSignInRequiredException">The session expired.</exception>
    public async Task<MsilMe> GetMeAsync(CancellationToken cancellationToken)
        => _me ??= await GetAsync<MsilMe>("api/mcp/me", cancellationToken).ConfigureAwait(false);

    /// <summary>Sends a GET to <paramref name="path"/> and reads the JSON answer.</summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="path">The path and query, relative to the server (for example <c>api/audit?page=2</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="MsilApiException">The server answered with an error.</exception>
    /// <exception cref="MsilSignInRequiredException">The session expired.</exception>
    public async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="body"/> as JSON with <paramref name="method"/> to <paramref name="path"/> and reads the JSON answer.</summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="method">The method (POST, PUT, DELETE…).</param>
    /// <param name="path">The path and query, relative to the server.</param>
    /// <param name="body">The body, serialized as snake_case JSON, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The answer and its status code.</returns>
    /// <exception cref="MsilApiException">The server answered with an error.</exception>
    /// <exception cref="MsilSignInRequiredException">The session expired.</exception>
    public async Task<(T? Value, int Status)> SendJsonAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: JsonOptions);
        }

        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (response.Content.Headers.ContentLength == 0 || status == 204)
        {
            return (default, status);
        }

        return (await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false), status);
    }

    /// <summary>Sends <paramref name="request"/> with the user's access token; an error status becomes a <see cref="MsilApiException"/>.</summary>
    /// <param name="request">The request; a relative URI is resolved against the server.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The successful response; the caller disposes it.</returns>
    /// <exception cref="MsilApiException">The server answered with an error, or could not be reached.</exception>
    /// <exception cref="MsilSignInRequiredException">The session expired.</exception>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = await _authentication.GetAuthenticationStateAsync().ConfigureAwait(false);
        var token = await _tokens.GetAccessTokenAsync(state.User, cancellationToken).ConfigureAwait(false);
        if (request.RequestUri is { IsAbsoluteUri: false } relative)
        {
            request.RequestUri = new Uri(ServerBase(state.User), relative);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var path = request.RequestUri!.AbsolutePath;
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            Log.ApiUnreachable(_logger, ex, request.Method.Method, path);
            throw new MsilApiException(new MsilProblem(null, "The server could not be reached.", 0, "Check that the MCP server is running and that the console's ServerUrl points at it."));
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            Log.ApiFailed(_logger, request.Method.Method, path, (int)response.StatusCode);
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                throw new MsilSignInRequiredException("The server refused the session's token: sign in again.");
            }

            throw new MsilApiException(await ReadProblemAsync(response, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>Reads an error answer's problem details body (RFC 9457), or describes a non-problem error answer the same way.</summary>
    /// <param name="response">The error answer.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The problem: the body's <c>type</c>, <c>title</c> and <c>detail</c> (or an OAuth <c>error</c> and <c>error_description</c>), with the answer's status.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> is <see langword="null"/>.</exception>
    public static async Task<MsilProblem> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (text.Length > 0 && text.TrimStart().StartsWith('{'))
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                string? Read(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                var title = Read("title") ?? Read("error") ?? response.ReasonPhrase ?? "Error";
                var detail = Read("detail") ?? Read("error_description");
                return new MsilProblem(Read("type"), title, status, detail);
            }
        }
        catch (JsonException)
        {
            // Not JSON: described by the status alone.
        }

        return new MsilProblem(null, response.ReasonPhrase ?? "Error", status, null);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(JsonOptions, cancellationToken).ConfigureAwait(false)
                ?? throw new MsilApiException(new MsilProblem(null, "The server sent an empty answer.", (int)response.StatusCode, null));
        }
        catch (JsonException ex)
        {
            throw new MsilApiException(new MsilProblem(null, "The server's answer could not be read.", (int)response.StatusCode, ex.Message));
        }
    }

    private Uri ServerBase(System.Security.Claims.ClaimsPrincipal user)
    {
        var console = user.FindFirst(WebUiClaims.Console)?.Value;
        if (console is not null && _options.Get(console).ServerUrl is { } configured)
        {
            return configured.AbsoluteUri.EndsWith('/') ? configured : new Uri(configured.AbsoluteUri + "/");
        }

        return new Uri(new Uri(_navigation.BaseUri).GetLeftPart(UriPartial.Authority) + "/");
    }
}
