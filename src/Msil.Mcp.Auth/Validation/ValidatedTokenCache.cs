using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Auth.Validation;

/// <summary>
/// A bounded cache of tokens that passed validation, keyed by the SHA-256 of the token (the token itself is never
/// kept). An entry lives no longer than the token's own <c>exp</c> and at most <see cref="MaxEntryLifetime"/>, so a
/// cached token is never accepted after it expired. Signature checks are the costly part of a request (ARCHITECTURE §9).
/// </summary>
internal sealed class ValidatedTokenCache(IOptionsMonitor<MsilAuthOptions> options, TimeProvider time)
{
    public static readonly TimeSpan MaxEntryLifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<UInt128, Entry> _entries = new();

    /// <summary>Looks the token up without copying it out of the request header (the key hashes its characters).</summary>
    public bool TryGet(ReadOnlySpan<char> token, out ClaimsIdentity? identity)
    {
        identity = null;
        if (options.CurrentValue.ValidatedTokenCacheSize <= 0 || !_entries.TryGetValue(Key(token), out var entry))
        {
            return false;
        }

        if (entry.ExpiresAt <= time.GetUtcNow())
        {
            _entries.TryRemove(new KeyValuePair<UInt128, Entry>(Key(token), entry));
            return false;
        }

        // A fresh copy per request: claims transformations downstream must not change the cached identity.
        identity = entry.Identity.Clone();
        return true;
    }

    public void Add(string token, ClaimsIdentity identity, DateTimeOffset tokenExpires)
    {
        var capacity = options.CurrentValue.ValidatedTokenCacheSize;
        if (capacity <= 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var expires = tokenExpires < now + MaxEntryLifetime ? tokenExpires : now + MaxEntryLifetime;
        if (expires <= now)
        {
            return;
        }

        if (_entries.Count >= capacity)
        {
            Trim(now, capacity);
        }

        _entries[Key(token)] = new Entry(identity.Clone(), expires);
    }

    private void Trim(DateTimeOffset now, int capacity)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }

        if (_entries.Count >= capacity)
        {
            // Still full of live entries (a flood of distinct tokens): start over rather than grow without bound.
            _entries.Clear();
        }
    }

    // The SHA-256 of the token's UTF-16 characters: the key only has to be stable within this process, so there is no
    // transcoding buffer (it was a heap array per request for tokens over ~680 characters, i.e. every real JWT).
    private static UInt128 Key(ReadOnlySpan<char> token)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(MemoryMarshal.AsBytes(token), hash);
        return new UInt128(BitConverter.ToUInt64(hash[..8]), BitConverter.ToUInt64(hash[8..16]));
    }

    private sealed record Entry(ClaimsIdentity Identity, DateTimeOffset ExpiresAt);
}
