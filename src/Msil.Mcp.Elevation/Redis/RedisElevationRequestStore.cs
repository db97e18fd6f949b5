using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Msil.Mcp.Elevation.Redis;

/// <summary>
/// The pending elevation requests in Redis, shared by every instance: one hash (<c>{prefix}requests</c>) whose field
/// is the principal key and scope and whose value is the request's JSON. Expired requests are dropped when listed;
/// beyond <see cref="ElevationOptions.MaxPendingRequests"/> the oldest are dropped.
/// </summary>
internal sealed class RedisElevationRequestStore(ElevationRedisConnection connection, IOptionsMonitor<ElevationOptions> options, TimeProvider time) : IElevationRequestStore
{
    private readonly RedisKey _key = options.CurrentValue.RedisKeyPrefix + "requests";

    public async ValueTask AddAsync(ElevationRequest request, CancellationToken cancellationToken)
    {
        var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await db.HashSetAsync(_key, Field(request.PrincipalKey, request.Scope), Encode(request)).ConfigureAwait(false);
        var max = options.CurrentValue.MaxPendingRequests;
        if (await db.HashLengthAsync(_key).ConfigureAwait(false) > max)
        {
            var all = await ReadAllAsync(db).ConfigureAwait(false);
            var drop = all.OrderBy(r => r.RequestedAt).Take(Math.Max(0, all.Count - max)).Select(r => (RedisValue)Field(r.PrincipalKey, r.Scope)).ToArray();
            if (drop.Length > 0)
            {
                await db.HashDeleteAsync(_key, drop).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask RemoveAsync(string principalKey, string scope, CancellationToken cancellationToken)
    {
        var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await db.HashDeleteAsync(_key, Field(principalKey, scope)).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ElevationRequest>> ListAsync(CancellationToken cancellationToken)
    {
        var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var all = await ReadAllAsync(db, CommandFlags.PreferReplica).ConfigureAwait(false);
        return [.. all.OrderByDescending(r => r.RequestedAt).ThenBy(r => r.Id, StringComparer.Ordinal)];
    }

    /// <summary>Reads every request; the admin list passes <see cref="CommandFlags.PreferReplica"/> (it may be a moment stale, seed §8.2).</summary>
    private async Task<List<ElevationRequest>> ReadAllAsync(IDatabase db, CommandFlags flags = CommandFlags.None)
    {
        var now = time.GetUtcNow();
        var entries = await db.HashGetAllAsync(_key, flags).ConfigureAwait(false);
        var live = new List<ElevationRequest>(entries.Length);
        var stale = new List<RedisValue>();
        foreach (var entry in entries)
        {
            var request = Decode((byte[])entry.Value!);
            if (request is null || request.ExpiresAt <= now)
            {
                stale.Add(entry.Name);
            }
            else
            {
                live.Add(request);
            }
        }

        // What a replica read shows may already be replaced on the primary: only a primary read prunes, so a
        // replica read that saw stale entries reads again from the primary.
        if (stale.Count > 0 && (flags & CommandFlags.PreferReplica) != 0)
        {
            return await ReadAllAsync(db).ConfigureAwait(false);
        }

        if (stale.Count > 0)
        {
            await db.HashDeleteAsync(_key, [.. stale]).ConfigureAwait(false);
        }

        return live;
    }

    private static string Field(string principalKey, string scope) => principalKey + "\n" + scope;

    internal static byte[] Encode(ElevationRequest r)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", r.Id);
            w.WriteString("principal_key", r.PrincipalKey);
            w.WriteString("user", r.UserId);
            w.WriteString("tool", r.Tool);
            w.WriteString("scope", r.Scope);
            w.WriteString("requested_at", GrantJson.FormatTime(r.RequestedAt));
            w.WriteString("expires_at", GrantJson.FormatTime(r.ExpiresAt));
            w.WriteString("approval_url", r.ApprovalUrl);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static ElevationRequest? Decode(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            string? S(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var requestedAt = GrantJson.ParseTime(S("requested_at"));
            var expiresAt = GrantJson.ParseTime(S("expires_at"));
            if (S("id") is not { } id || S("principal_key") is not { } principal || S("scope") is not { } scope || requestedAt is null || expiresAt is null)
            {
                return null;
            }

            return new ElevationRequest(id, principal, S("user") ?? string.Empty, S("tool") ?? scope, scope, requestedAt.Value, expiresAt.Value, S("approval_url") ?? string.Empty);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
