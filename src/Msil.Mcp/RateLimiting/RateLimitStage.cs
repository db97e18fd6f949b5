using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;

namespace Msil.Mcp.RateLimiting;

/// <summary>
/// The rate-limit stage: after the tool is resolved (its risk level picks the limit), before anything costly.
/// A call takes a token from the user's bucket and from the user-and-tool bucket, both keyed by the caller's
/// <see cref="CallerIdentity.PrincipalKey"/> (issuer and subject), never by the user name another issuer may share.
/// </summary>
internal sealed class RateLimitStage(IRateLimitStore store, IOptionsMonitor<RateLimitOptions> options, MsilMcpMetrics metrics)
{
    public async ValueTask CheckAsync(CallerIdentity caller, ToolDefinition tool, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        if (!o.Enabled)
        {
            return;
        }

        using var span = CallTracing.StartStage("rate-limit", tool.Name);
        var rule = tool.RiskLevel switch
        {
            RiskLevel.Read => o.Read,
            RiskLevel.Write => o.Write,
            _ => o.Privileged,
        };
        var user = caller.PrincipalKey;
        var perTool = await store.TryAcquireAsync($"{o.KeyPrefix}{user}:{tool.Name}", rule, cancellationToken).ConfigureAwait(false);
        if (!perTool.Acquired)
        {
            metrics.RateLimited(tool.Name, "tool");
            throw new RateLimitExceededException(tool.Name, $"at most {rule.PermitsPerMinute} calls a minute (bursts of {rule.Burst}) per user for {tool.RiskLevel.ToWire()} tools", perTool.RetryAfter);
        }

        var perUser = await store.TryAcquireAsync($"{o.KeyPrefix}{user}", o.PerUser, cancellationToken).ConfigureAwait(false);
        if (!perUser.Acquired)
        {
            metrics.RateLimited(tool.Name, "user");
            throw new RateLimitExceededException(tool.Name, $"at most {o.PerUser.PermitsPerMinute} calls a minute (bursts of {o.PerUser.Burst}) per user", perUser.RetryAfter);
        }
    }
}
