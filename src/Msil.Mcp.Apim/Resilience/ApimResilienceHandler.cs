using System.Net.Http.Headers;
using Msil.Mcp.Apim.Http;
using Polly;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// The outermost handler of a gateway's client: sends each request through the gateway's pipeline (overall timeout →
/// retry → circuit breaker → attempt timeout). Retries resend the same request message, so the
/// <c>Idempotency-Key</c> and every other header are identical on each attempt. A request the HTTP client could not
/// write (a header value that is not printable ASCII) is refused before the pipeline with
/// <see cref="UnsendableRequestException"/>: a fault of the request must never count against the gateway.
/// </summary>
internal sealed class ApimResilienceHandler(GatewayRuntime gateway) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(ApimCall.OptionsKey, out var call))
        {
            // Someone uses the gateway's named client directly: only requests that are safe by method are retried.
            call = new ApimCall { ToolName = string.Empty, RetryAllowed = ApimCall.IsIdempotentMethod(request.Method) };
        }

        if ((UnsendableHeader(request.Headers) ?? (request.Content is null ? null : UnsendableHeader(request.Content.Headers))) is { } header)
        {
            throw new UnsendableRequestException($"The request's header '{header}' has a value HTTP cannot carry (only printable ASCII is allowed).") { HeaderName = header };
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(ApimCall.PropertyKey, call);
        try
        {
            var outcome = await gateway.Pipeline.ExecuteOutcomeAsync(
                static async (context, state) =>
                {
                    try
                    {
                        var response = await state.Handler.SendCoreAsync(state.Request, context.CancellationToken).ConfigureAwait(false);
                        return Outcome.FromResult(response);
                    }
                    catch (Exception ex)
                    {
                        return Outcome.FromException<HttpResponseMessage>(ex);
                    }
                },
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
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

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => base.SendAsync(request, cancellationToken);
}
