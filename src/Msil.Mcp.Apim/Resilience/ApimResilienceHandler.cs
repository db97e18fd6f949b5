using Polly;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// The outermost handler of a gateway's client: sends each request through the gateway's pipeline (overall timeout →
/// retry → circuit breaker → attempt timeout). Retries resend the same request message, so the
/// <c>Idempotency-Key</c> and every other header are identical on each attempt.
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

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => base.SendAsync(request, cancellationToken);
}
