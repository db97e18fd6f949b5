using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;

namespace Msil.Mcp.RateLimiting;

/// <summary>
/// The rate-limit stage, in two steps: the caller's bucket before the tool is even resolved (so calls that fail early,
/// unknown names included, are limited too), and the caller-and-tool bucket by risk level once policy has let the
/// caller know the tool.
/// Both buckets are keyed by the caller's <see cref="CallerIdentity.PrincipalKey"/> (issuer and subject), never by the
/// user name another issuer may share.
/// </summary>
internal sealed class RateLimitStage(IRateLimitStore store, IOptionsMonitor<RateLimitOptions> options, MsilMcpMetrics metrics)
{
    private const string Stage = "rate-limit";

    // Keyed by the identity of a principal key string that calls share (a cached caller's, CallState.PrincipalKeyShared),
    // held weakly: the keys go with the caller, which goes with its validated-token cache entry.
    private readonly ConditionalWeakTable<string, BucketKeys> _keys = new();

    /// <summary>Takes a token from the caller's bucket (every call, whatever it names).</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="toolName">The name the caller sent, bounded; only for the error message.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public ValueTask CheckCallerAsync(CallerIdentity caller, string toolName, CancellationToken cancellationToken)
        => CheckCallerAsync(caller, caller.PrincipalKey, toolName, sharedKey: false, cancellationToken);

    /// <summary>Takes a token from the caller's bucket, keyed by <paramref name="principalKey"/> (the call's, built once).</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="principalKey">The caller's <see cref="CallerIdentity.PrincipalKey"/>.</param>
    /// <param name="toolName">The name the caller sent, bounded; only for the error message.</param>
    /// <param name="sharedKey">Whether <paramref name="principalKey"/> is shared by every call of a cached token: the bucket key is then made once for it.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public async ValueTask CheckCallerAsync(CallerIdentity caller, string principalKey, string toolName, bool sharedKey, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        if (!o.Enabled)
        {
            return;
        }

        using var span = CallTracing.StartStage(Stage, Stage, tool: null);
        var key = sharedKey ? KeysOf(o.KeyPrefix, principalKey).User : o.KeyPrefix + principalKey;
        var perUser = await store.TryAcquireAsync(key, o.PerUser, cancellationToken).ConfigureAwait(false);
        if (!perUser.Acquired)
        {
            metrics.RateLimited(catalogTool: null, "user");
            throw new RateLimitExceededException(toolName, $"at most {o.PerUser.PermitsPerMinute} calls a minute (bursts of {o.PerUser.Burst}) per user", perUser.RetryAfter);
        }
    }

    /// <summary>Takes a token from the caller-and-tool bucket of the tool's risk level.</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="tool">The catalog tool.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public ValueTask CheckToolAsync(CallerIdentity caller, CompiledTool tool, CancellationToken cancellationToken)
        => CheckToolAsync(caller.PrincipalKey, tool, sharedKey: false, cancellationToken);

    /// <summary>Takes a token from the caller-and-tool bucket of the tool's risk level, keyed by <paramref name="principalKey"/>.</summary>
    /// <param name="principalKey">The caller's <see cref="CallerIdentity.PrincipalKey"/> (the call's, built once).</param>
    /// <param name="tool">The catalog tool.</param>
    /// <param name="sharedKey">Whether <paramref name="principalKey"/> is shared by every call of a cached token: the bucket key is then made once per tool for it.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public async ValueTask CheckToolAsync(string principalKey, CompiledTool tool, bool sharedKey, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        if (!o.Enabled)
        {
            return;
        }

        var definition = tool.Definition;
        using var span = CallTracing.StartStage(Stage, tool.Spans.RateLimit, definition.Name);
        var rule = definition.RiskLevel switch
        {
            RiskLevel.Read => o.Read,
            RiskLevel.Write => o.Write,
            _ => o.Privileged,
        };
        string key;
        if (sharedKey)
        {
            var keys = KeysOf(o.KeyPrefix, principalKey);
            key = keys.Tools.GetOrAdd(definition.Name, static (name, user) => string.Concat(user, ":", name), keys.User);
        }
        else
        {
            key = string.Concat(o.KeyPrefix, principalKey, ":", definition.Name);
        }

        var perTool = await store.TryAcquireAsync(key, rule, cancellationToken).ConfigureAwait(false);
        if (!perTool.Acquired)
        {
            metrics.RateLimited(definition.Name, "tool");
            throw new RateLimitExceededException(definition.Name, $"at most {rule.PermitsPerMinute} calls a minute (bursts of {rule.Burst}) per user for {definition.RiskLevel.ToWire()} tools", perTool.RetryAfter);
        }
    }

    /// <summary>The bucket keys of a shared principal key, made once and held as long as the key string lives (with its cached caller).</summary>
    private BucketKeys KeysOf(string prefix, string principalKey)
    {
        if (_keys.TryGetValue(principalKey, out var keys) && ReferenceEquals(keys.Prefix, prefix))
        {
            return keys;
        }

        keys = new BucketKeys(prefix, prefix + principalKey); // a new prefix (options reloaded) starts over
        _keys.AddOrUpdate(principalKey, keys);
        return keys;
    }

    /// <summary>A caller's bucket key and its caller-and-tool keys by tool name (at most one per catalog tool).</summary>
    private sealed class BucketKeys(string prefix, string user)
    {
        public string Prefix { get; } = prefix;

        public string User { get; } = user;

        public ConcurrentDictionary<string, string> Tools { get; } = new(StringComparer.Ordinal);
    }
}
