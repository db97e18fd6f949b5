using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Auth;

/// <summary>The auth package's log messages (event ids 1000–1999). Never a token or a claim value.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Debug, "Bearer token refused: {Reason}")]
    public static partial void TokenRejected(ILogger logger, string reason);

    [LoggerMessage(1001, LogLevel.Warning, "Downstream token mode is Passthrough: callers' tokens are forwarded to backends. This violates the MCP rule against token passthrough; use TokenExchange or OnBehalfOf.")]
    public static partial void PassthroughEnabled(ILogger logger);

    [LoggerMessage(1002, LogLevel.Warning, "The development issuer is running at {Issuer}. It issues tokens to anyone who asks; never use it outside Development.")]
    public static partial void DevelopmentIssuerRunning(ILogger logger, string issuer);

    [LoggerMessage(1003, LogLevel.Warning, "Issuer {Issuer} cannot be reached; validating with the keys shared in Redis")]
    public static partial void IssuerUnreachableUsingSharedKeys(ILogger logger, string issuer);

    [LoggerMessage(1004, LogLevel.Warning, "The shared key cache (Redis) for issuer {Issuer} cannot be written; keys stay cached in memory")]
    public static partial void SharedKeyCacheUnavailable(ILogger logger, string issuer);

    [LoggerMessage(1010, LogLevel.Warning, "Downstream token request for audience {Audience} failed with status {Status}")]
    public static partial void DownstreamTokenFailed(ILogger logger, string audience, int status);

    [LoggerMessage(1020, LogLevel.Information, "Development issuer: authorization code issued to client {ClientId}")]
    public static partial void AuthorizationCodeIssued(ILogger logger, string clientId);

    [LoggerMessage(1021, LogLevel.Warning, "Development issuer: authorization code refused: {Reason}")]
    public static partial void AuthorizationCodeRefused(ILogger logger, string reason);

    [LoggerMessage(1022, LogLevel.Warning, "Development issuer: authorization request refused: {Reason}")]
    public static partial void AuthorizationRequestRefused(ILogger logger, string reason);
    [LoggerMessage(1050, LogLevel.Warning, "{Key}: the issuer's discovery document {Address} is not available ({Problem}); tokens from this issuer will be refused until it answers. Check the URL and that the identity provider is reachable from this server.")]
    public static partial void IssuerDiscoveryUnanswered(ILogger logger, string key, string address, string problem);
    [LoggerMessage(1051, LogLevel.Information, "Bearer token refused (invalid_token): its audience is [{ActualAudience}] but this server accepts [{ExpectedAudience}] from issuer {Issuer}. Ask the identity provider for a token for this server's audience (Msil:Mcp:Auth:Audience), or add the token's audience to Msil:Mcp:Auth:Issuers:N:AdditionalAudiences.")]
    public static partial void WrongAudience(ILogger logger, string expectedAudience, string actualAudience, string issuer);
}
