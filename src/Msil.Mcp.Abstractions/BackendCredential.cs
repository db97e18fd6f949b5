namespace Msil.Mcp.Abstractions;

/// <summary>A credential the backend expects, from the operation's OpenAPI security requirement.</summary>
/// <param name="Scheme">The security scheme's name in the document.</param>
/// <param name="Kind">What is sent.</param>
/// <param name="Name">The header name of an API key; <see langword="null"/> for a bearer token.</param>
public sealed record BackendCredential(string Scheme, BackendCredentialKind Kind, string? Name = null);

/// <summary>The kinds of backend credential the executor can send.</summary>
public enum BackendCredentialKind
{
    /// <summary>A bearer token (OAuth 2.0, OpenID Connect or HTTP <c>bearer</c>): the executor sends the downstream token.</summary>
    Bearer,

    /// <summary>An API key in a header: the executor sends the gateway's subscription key under that header.</summary>
    ApiKeyHeader,
}
