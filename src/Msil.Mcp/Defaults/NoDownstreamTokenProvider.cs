using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Defaults;

/// <summary>Calls backends without a user token when no token provider is configured; never passes the caller's token through.</summary>
internal sealed class NoDownstreamTokenProvider : IDownstreamTokenProvider
{
    public ValueTask<SensitiveString?> GetTokenAsync(CallerIdentity caller, SensitiveString? subjectToken, string audience, CancellationToken cancellationToken)
        => new((SensitiveString?)null);
}
