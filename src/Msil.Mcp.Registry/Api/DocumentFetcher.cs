using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Registry.Api;

/// <summary>Why a URL import fetched nothing.</summary>
internal sealed class FetchRefusedException(string message) : Exception(message);

/// <summary>
/// Fetches an OpenAPI document for <c>{"url": …}</c> imports, only from hosts on <c>Msil:Mcp:Registry:AllowedImportHosts</c>
/// and never from loopback, private, link-local, multicast or unspecified addresses (checked on the address actually
/// connected to, so a DNS answer that changes between check and connect cannot slip through). No redirects; the body is
/// read up to <c>MaxDocumentBytes</c> and no further.
/// </summary>
internal sealed class DocumentFetcher : IDisposable
{
    private readonly IOptions<ToolRegistryOptions> _options;
    private readonly HttpClient _client;

    public DocumentFetcher(IOptions<ToolRegistryOptions> options)
    {
        _options = options;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Checks a URL against the allow-list without touching the network; returns the problem or <see langword="null"/>.</summary>
    public string? Check(string url, out Uri? uri)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out uri) || uri.Scheme is not ("https" or "http"))
        {
            return $"'{Shorten(url)}' is not an absolute http(s) URL.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "The URL must not carry credentials.";
        }

        var host = uri.IdnHost;
        if (!_options.Value.AllowedImportHosts.Any(h => string.Equals(h.Trim().Trim('[', ']'), host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)))
        {
            return $"The host '{host}' is not on Msil:Mcp:Registry:AllowedImportHosts; nothing was fetched.";
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal) && !_options.Value.AllowPrivateAddresses && IsForbidden(literal))
        {
            return $"The address {literal} is loopback, private or link-local; nothing was fetched.";
        }

        return null;
    }

    /// <summary>Fetches the document; throws <see cref="FetchRefusedException"/> with a reason on any refusal or failure.</summary>
    public async Task<byte[]> FetchAsync(Uri uri, CancellationToken cancellationToken)
        => (await FetchAsync(uri, null, null, cancellationToken).ConfigureAwait(false)).Body!;

    /// <summary>
    /// Fetches the document conditionally: with a validator of the last answer (<c>ETag</c>, <c>Last-Modified</c>) sent as
    /// <c>If-None-Match</c>/<c>If-Modified-Since</c>, a <c>304</c> is returned as <see cref="FetchedDocument.NotModified"/>.
    /// Throws <see cref="FetchRefusedException"/> with a reason on any refusal or failure.
    /// </summary>
    public async Task<FetchedDocument> FetchAsync(Uri uri, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Value.FetchTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.ParseAdd("application/json, application/yaml, text/yaml, */*;q=0.5");
            if (etag is not null)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            }

            if (lastModified is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
            }

            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotModified && (etag is not null || lastModified is not null))
            {
                return new FetchedDocument(null, etag, lastModified);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new FetchRefusedException($"The URL answered {(int)response.StatusCode}{(response.Headers.Location is null ? string.Empty : " (redirects are not followed)")}.");
            }

            var max = _options.Value.MaxDocumentBytes;
            if (response.Content.Headers.ContentLength > max)
            {
                throw new DocumentTooLargeException(max);
            }

            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var body = await BoundedBody.ReadAsync(stream, max, timeout.Token).ConfigureAwait(false);
                var lastModifiedHeader = response.Content.Headers.TryGetValues("Last-Modified", out var values) ? values.FirstOrDefault() : null;
                return new FetchedDocument(body, response.Headers.ETag?.ToString(), lastModifiedHeader);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FetchRefusedException($"The URL did not answer within {_options.Value.FetchTimeout} (Msil:Mcp:Registry:FetchTimeout).");
        }
        catch (HttpRequestException ex)
        {
            throw new FetchRefusedException(ex.InnerException is FetchRefusedException refused ? refused.Message : "The URL could not be fetched: " + ex.Message);
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Returns whether connecting to <paramref name="address"/> is refused (SSRF rules).</summary>
    internal static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 10 || b[0] == 0 || b[0] >= 224
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0);
        }

        var bytes = address.GetAddressBytes();
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (bytes[0] & 0xFE) == 0xFC;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var allowed = _options.Value.AllowPrivateAddresses ? addresses : [.. addresses.Where(a => !IsForbidden(a))];
        if (allowed.Length == 0)
        {
            throw new FetchRefusedException($"The host '{host}' resolves only to loopback, private or link-local addresses; nothing was fetched.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}

/// <summary>A fetched document with the validators of its answer; <see cref="Body"/> is <see langword="null"/> on a <c>304</c>.</summary>
internal sealed record FetchedDocument(byte[]? Body, string? ETag, string? LastModified)
{
    /// <summary>Gets whether the server answered <c>304 Not Modified</c>.</summary>
    public bool NotModified => Body is null;
}

/// <summary>A document over <c>MaxDocumentBytes</c>.</summary>
internal sealed class DocumentTooLargeException(long limit) : Exception($"The document is larger than {limit} bytes (Msil:Mcp:Registry:MaxDocumentBytes).")
{
    public long Limit { get; } = limit;
}

/// <summary>Reads a stream up to a limit, failing as soon as the limit is passed.</summary>
internal static class BoundedBody
{
    public static async Task<byte[]> ReadAsync(Stream stream, long max, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw new DocumentTooLargeException(max);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
