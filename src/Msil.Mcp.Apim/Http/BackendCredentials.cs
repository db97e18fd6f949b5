using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim.Http;

/// <summary>
/// What the tool's <see cref="HttpBinding.Credentials"/> (its OpenAPI security requirement) asks of a call: a bearer
/// token needs the downstream token (so an audience must be configured), an API key in a header is the gateway's
/// subscription key, sent under that header too when its name differs from the gateway's subscription key header.
/// </summary>
internal static class BackendCredentials
{
    /// <summary>Returns why the call cannot carry what the backend expects, or <see langword="null"/>.</summary>
    public static string? Check(RequestTemplate template, string? token, ApimGatewayOptions settings)
    {
        foreach (var credential in template.Credentials)
        {
            switch (credential.Kind)
            {
                case BackendCredentialKind.Bearer when token is null:
                    return $"the backend expects a bearer token (security scheme '{credential.Scheme}'), but none is configured for it: give the source an audience, or set DefaultAudience of the gateway's settings";
                case BackendCredentialKind.ApiKeyHeader when string.IsNullOrEmpty(settings.SubscriptionKey):
                    return $"the backend expects an API key in the header '{credential.Name}' (security scheme '{credential.Scheme}'), but the gateway has no SubscriptionKey";
            }
        }

        return null;
    }

    /// <summary>Sends the subscription key under each API key header the backend names that is not the gateway's own.</summary>
    public static void AddApiKeyHeaders(HttpRequestMessage request, RequestTemplate template, ApimGatewayOptions settings)
    {
        foreach (var credential in template.Credentials)
        {
            if (credential is { Kind: BackendCredentialKind.ApiKeyHeader, Name: { } name }
                && !string.Equals(name, settings.SubscriptionKeyHeader, StringComparison.OrdinalIgnoreCase)
                && RequestBuilder.IsToken(name)
                && !request.Headers.Contains(name))
            {
                request.Headers.TryAddWithoutValidation(name, settings.SubscriptionKey);
            }
        }
    }
}
