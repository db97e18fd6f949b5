using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Msil.Mcp.Cli;

/// <summary>
/// <c>msil-mcp token &lt;user&gt; [--server URL] [--issuer-path /dev/oidc] [--header]</c>: a token for a demo user from a
/// running server's development issuer (the password grant of <c>POST {server}{issuer-path}/token</c>), printed alone or
/// as the <c>Authorization</c> header line the MCP Inspector's <c>--header</c> takes.
/// </summary>
internal static class TokenCommand
{
    /// <summary>The server asked when <c>--server</c> is not given (the reference server's and the template's address).</summary>
    public const string DefaultServer = "http://127.0.0.1:5100";

    public const string DefaultIssuerPath = "/dev/oidc";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Length < 2 || args[1].StartsWith("--", StringComparison.Ordinal))
        {
            return await FailAsync(error, "token needs the demo user's name: msil-mcp token <user> [--server URL] [--header].", usage: true).ConfigureAwait(false);
        }

        var user = args[1];
        var server = DefaultServer;
        var issuerPath = DefaultIssuerPath;
        var header = false;
        for (var i = 2; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--header":
                    header = true;
                    break;
                case "--server" when i + 1 < args.Length:
                    server = args[++i];
                    break;
                case "--issuer-path" when i + 1 < args.Length:
                    issuerPath = args[++i];
                    break;
                default:
                    return await FailAsync(error, $"unexpected argument '{args[i]}' (token takes --server URL, --issuer-path PATH and --header).", usage: true).ConfigureAwait(false);
            }
        }

        if (!Uri.TryCreate(server, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            return await FailAsync(error, $"--server '{server}' must be the server's http(s) address, such as {DefaultServer}.", usage: true).ConfigureAwait(false);
        }

        if (!issuerPath.StartsWith('/'))
        {
            return await FailAsync(error, $"--issuer-path '{issuerPath}' must start with '/' (Msil:Mcp:Auth:DevelopmentIssuer:Path, default {DefaultIssuerPath}).", usage: true).ConfigureAwait(false);
        }

        var tokenUri = new Uri(baseUri, issuerPath.TrimEnd('/') + "/token");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        HttpResponseMessage response;
        try
        {
            using var form = new FormUrlEncodedContent([new("grant_type", "password"), new("username", user)]);
            response = await http.PostAsync(tokenUri, form, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return await FailAsync(error, $"cannot reach {baseUri} ({ex.Message}); start the server (dotnet run) or give its address with --server.").ConfigureAwait(false);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                return await FailAsync(error,
                    $"{baseUri} has no development issuer at {issuerPath} ({(int)response.StatusCode}): it is served only when the server runs in Development "
                    + "(ASPNETCORE_ENVIRONMENT=Development) with Msil:Mcp:Auth:DevelopmentIssuer:Enabled; outside Development get a token from your identity provider.").ConfigureAwait(false);
            }

            var (token, problem) = Parse(body, response.Content.Headers.ContentType);
            if (!response.IsSuccessStatusCode || token is null)
            {
                return await FailAsync(error, $"the development issuer refused the token ({(int)response.StatusCode}): {problem ?? "no access_token in the answer"}").ConfigureAwait(false);
            }

            await output.WriteLineAsync(header ? "Authorization: Bearer " + token : token).ConfigureAwait(false);
            return CliApp.Verified;
        }
    }

    /// <summary>The access token, or the issuer's error description.</summary>
    private static (string? Token, string? Problem) Parse(string body, MediaTypeHeaderValue? contentType)
    {
        if (contentType?.MediaType is not { } media || !media.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"the answer is not JSON ({contentType?.MediaType ?? "no content type"}); is --server the MCP server's address?");
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("access_token", out var token) && token.ValueKind == JsonValueKind.String)
            {
                return (token.GetString(), null);
            }

            var description = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error_description", out var d) ? d.GetString()
                : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) ? e.GetString() : null;
            return (null, description);
        }
        catch (JsonException)
        {
            return (null, "the answer is not valid JSON");
        }
    }

    private static async Task<int> FailAsync(TextWriter error, string problem, bool usage = false)
    {
        await error.WriteLineAsync("error: " + problem).ConfigureAwait(false);
        if (usage)
        {
            await error.WriteLineAsync().ConfigureAwait(false);
            await error.WriteLineAsync(CliApp.Usage).ConfigureAwait(false);
        }

        return CliApp.UsageOrConnectionError;
    }
}
