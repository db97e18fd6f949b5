using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using StackExchange.Redis;

namespace Msil.Mcp.Elevation.Redis;

/// <summary>
/// Grants in Redis (seed §4.2): key <c>{prefix}{principal_key}:{scope}</c> (prefix <c>elevation:</c> by default; the
/// principal key is issuer and subject, see <see cref="CallerIdentity.PrincipalKey"/>), value the
/// grant's JSON, TTL the grant's remaining lifetime capped at <see cref="ElevationOptions.MaxGrantLifetime"/>. Every
/// instance sees the same grants. Single-use grants are consumed by a Lua script, so of any number of concurrent
/// calls exactly one gets the grant. Redis errors propagate; the gate turns them into a refusal (never an allow).
/// For listing (<c>GET /api/pim/grants</c>) a sorted set <c>{prefix}index</c> holds each grant's principal and scope,
/// scored by its expiry; listing drops expired and consumed entries from it.
/// </summary>
internal sealed class RedisElevationGrantStore(ElevationRedisConnection connection, IOptions<ElevationOptions> options, TimeProvider time)
    : IElevationGrantStore, IArgumentBoundGrantStore, IElevationGrantListing
{
    // The value names its principal and scope; a value written for another (principal, scope) whose key happens to be
    // the same (a principal key with ':' in it) is neither returned nor consumed. ARGV: principal_key, scope[, arguments hash].
    private const string CheckOwner = """
        local v = redis.call('GET', KEYS[1])
        if not v then return {0} end
        local ok, g = pcall(cjson.decode, v)
        if not ok or type(g) ~= 'table' then return {0} end
        if (type(g.principal_key) == 'string' and g.principal_key ~= ARGV[1]) or (type(g.scope) == 'string' and g.scope ~= ARGV[2]) then return {0} end
        """;

    // GET + DEL in one step (GETDEL needs Redis 6.2; Lua works everywhere). Returns {0} or {1, value}.
    private const string ConsumeScript = CheckOwner + "\n" + """
        redis.call('DEL', KEYS[1])
        return {1, v}
        """;

    // Returns {0} none, {1, value} consumed, {2, value} bound to other arguments (kept), {3, value} reusable (kept).
    private const string ConsumeBoundScript = CheckOwner + "\n" + """
        if g.single_use ~= true then return {3, v} end
        local h = g.arguments_hash
        if type(h) == 'string' and h ~= '' and string.lower(h) ~= ARGV[3] then return {2, v} end
        redis.call('DEL', KEYS[1])
        return {1, v}
        """;

    private readonly string _prefix = options.Value.RedisKeyPrefix;
    private readonly TimeSpan _maxLifetime = options.Value.MaxGrantLifetime;
    private readonly RedisKey _index = options.Value.RedisKeyPrefix + "index";

    public async ValueTask<ElevationGrant?> GetAsync(string principalKey, string scope, CancellationToken cancellationToken)
    {
        var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var value = await db.StringGetAsync(Key(principalKey, scope)).ConfigureAwait(false);
        return value.IsNull ? null : RedisGrantCodec.Decode((byte[])value!, principalKey, scope);
    }

    public async ValueTask SaveAsync(ElevationGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var key = Key(grant.PrincipalKey, grant.Scope);
        var ttl = TimeToLive(grant, time.GetUtcNow(), _maxLifetime);
        var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        if (ttl <= TimeSpan.Zero)
        {
            // An expired grant replaces whatever was there with nothing.
            await db.KeyDeleteAsync(key).ConfigureAwait(false);
            return;
        }

        await db.StringSetAsync(key, RedisGrantCodec.Encode(grant), ttl, When.Always).ConfigureAwait(false);
        await db.SortedSetAddAsync(_index, Member(grant.PrincipalKey, grant.Scope), grant.ExpiresAt.ToUnixTimeMilliseconds()).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ElevationGrant>> ListActiveAsync(CancellationToken cancellationToken)
    {
        var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        await db.SortedSetRemoveRangeByScoreAsync(_index, double.NegativeInfinity, now.ToUnixTimeMilliseconds()).ConfigureAwait(false);
        // An admin list may be a moment stale: read from a replica when there is one (seed §8.2). Each grant is read
        // by its own GET, pipelined, not one MGET: in a cluster the grants live in different hash slots.
        var members = await db.SortedSetRangeByRankAsync(_index, flags: CommandFlags.PreferReplica).ConfigureAwait(false);
        if (members.Length == 0)
        {
            return [];
        }

        var parts = members.Select(m => ((string)m!).Split('\n', 2)).ToArray();
        var values = await Task.WhenAll(parts.Select(p => p.Length == 2
            ? db.StringGetAsync(Key(p[0], p[1]), CommandFlags.PreferReplica)
            : Task.FromResult(RedisValue.Null))).ConfigureAwait(false);
        var grants = new List<ElevationGrant>(members.Length);
        var gone = new List<RedisValue>();
        for (var i = 0; i < members.Length; i++)
        {
            if (parts[i].Length == 2 && values[i].IsNull)
            {
                // Gone (consumed, revoked), or not yet on the replica: only the primary may say which.
                if (!await db.KeyExistsAsync(Key(parts[i][0], parts[i][1])).ConfigureAwait(false))
                {
                    gone.Add(members[i]);
                }

                continue;
            }

            var grant = parts[i].Length == 2 ? RedisGrantCodec.Decode((byte[])values[i]!, parts[i][0], parts[i][1]) : null;
            if (grant is null || grant.ExpiresAt <= now)
            {
                gone.Add(members[i]);
            }
            else
            {
                grants.Add(grant);
            }
        }

        if (gone.Count > 0)
        {
            await db.SortedSetRemoveAsync(_index, [.. gone]).ConfigureAwait(false);
        }

        return grants;
    }

    public async ValueTask<bool> RevokeAsync(string principalKey, string scope, CancellationToken cancellationToken)
    {
        var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var removed = await db.KeyDeleteAsync(Key(principalKey, scope)).ConfigureAwait(false);
        await db.SortedSetRemoveAsync(_index, Member(principalKey, scope)).ConfigureAwait(false);
        return removed;
    }

    public async ValueTask<ElevationGrant?> ConsumeAsync(string principalKey, string scope, CancellationToken cancellationToken)
    {
        var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var parts = (RedisResult[])(await db.ScriptEvaluateAsync(ConsumeScript, [Key(principalKey, scope)], [principalKey, scope]).ConfigureAwait(false))!;
        var grant = parts.Length > 1 ? RedisGrantCodec.Decode((byte[])parts[1]!, principalKey, scope) : null;
        return grant is not null && grant.ExpiresAt > time.GetUtcNow() ? grant : null;
    }

    public async ValueTask<ConsumeResult> TryConsumeAsync(string principalKey, string scope, string argumentsHash, CancellationToken cancellationToken)
    {
        var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = await db.ScriptEvaluateAsync(ConsumeBoundScript, [Key(principalKey, scope)], [principalKey, scope, argumentsHash.ToLowerInvariant()]).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        var status = (int)parts[0];
        var grant = parts.Length > 1 ? RedisGrantCodec.Decode((byte[])parts[1]!, principalKey, scope) : null;
        if (grant is null || grant.ExpiresAt <= time.GetUtcNow())
        {
            return new ConsumeResult(ConsumeStatus.NotFound, null);
        }

        return status switch
        {
            1 => new ConsumeResult(ConsumeStatus.Consumed, grant),
            2 => new ConsumeResult(ConsumeStatus.ArgumentsMismatch, grant),
            3 => new ConsumeResult(ConsumeStatus.Reusable, grant),
            _ => new ConsumeResult(ConsumeStatus.NotFound, null),
        };
    }

    /// <summary>The TTL of a stored grant: what is left of its lifetime, never more than the maximum lifetime.</summary>
    internal static TimeSpan TimeToLive(ElevationGrant grant, DateTimeOffset now, TimeSpan maxLifetime)
    {
        var left = grant.ExpiresAt - now;
        return left > maxLifetime ? maxLifetime : left;
    }

    private static RedisValue Member(string principalKey, string scope) => principalKey + "\n" + scope;

    internal RedisKey Key(string principalKey, string scope) => string.Concat(_prefix, principalKey, ":", scope);
}
