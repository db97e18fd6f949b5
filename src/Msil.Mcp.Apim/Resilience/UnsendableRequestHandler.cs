using System.Net.Http.Headers;
using Msil.Mcp.Apim.Http;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// The outermost handler of a gateway's client, before the resilience handler: a request the HTTP client could not
/// write (a header value that is not printable ASCII) is refused with <see cref="UnsendableRequestException"/> before it
/// enters the pipeline, because a fault of the request must never be retried or count against the gateway's breaker.
/// </summary>
internal sealed class UnsendableRequestHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if ((UnsendableHeader(request.Headers) ?? (request.Content is null ? null : UnsendableHeader(request.Content.Headers))) is { } header)
        {
            throw new UnsendableRequestException($"The request's header '{header}' has a value HTTP cannot carry (only printable ASCII is allowed).") { HeaderName = header };
        }

        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>Returns the first header with a value the HTTP client would refuse to write, or <see langword="null"/>.</summary>
    internal static string? UnsendableHeader(HttpHeaders headers)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            foreach (var value in values)
            {
                if (!HttpText.IsHeaderValue(value))
                {
                    return name;
                }
            }
        }

        return null;
    }
}
