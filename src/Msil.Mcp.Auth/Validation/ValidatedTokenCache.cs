using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Msil.Mcp.Abstractions;

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

    // The key of an Authorization header string already seen, by the string's identity: Kestrel hands the same string
    // instance to every request of a connection that repeats the header's bytes, so the token's SHA-256 (about a
    // microsecond for a real JWT) is made once per connection and token. A pure function of an immutable string, held
    // weakly: it keeps neither the string nor the token alive, and the entry lookup and expiry check below still run
    // on every request.
    private readonly ConditionalWeakTable<string, KeyOf> _headerKeys = new();

    /// <summary>Looks the token up without copying it out of the request header (the key hashes its characters).</summary>
    /// <param name="token">The bearer token.</param>
    /// <param name="identity">The validated identity: a fresh mutable copy, or with <paramref name="shared"/> the cached read-only one.</param>
    /// <param name="shared">
    /// Whether the cached identity itself may be handed out: only when nothing downstream transforms claims. It refuses
    /// changes (<see cref="SharedClaimsIdentity"/>), so a shared identity can never leak one request's claims into another.
    /// </param>
    public bool TryGet(ReadOnlySpan<char> token, out ClaimsIdentity? identity, bool shared = false)
    {
        identity = null;
        return options.CurrentValue.ValidatedTokenCacheSize > 0 && TryGet(Key(token), out identity, shared);
    }

    /// <summary>
    /// Looks up the token <paramref name="token"/> of the header <paramref name="header"/>, hashing it only the first time
    /// this header string is looked up with a hit (the key is then remembered by the string's identity).
    /// </summary>
    /// <param name="header">The whole <c>Authorization</c> header value; <paramref name="token"/> is a part of it.</param>
    /// <param name="token">The bearer token within <paramref name="header"/>.</param>
    /// <param name="identity">The validated identity (see <see cref="TryGet(ReadOnlySpan{char}, out ClaimsIdentity?, bool)"/>).</param>
    /// <param name="shared">Whether the cached identity itself may be handed out.</param>
    public bool TryGet(string header, ReadOnlySpan<char> token, out ClaimsIdentity? identity, bool shared = false)
    {
        identity = null;
        if (options.CurrentValue.ValidatedTokenCacheSize <= 0)
        {
            return false;
        }

        if (_headerKeys.TryGetValue(header, out var known))
        {
            return TryGet(known.Key, out identity, shared);
        }

        var key = Key(token);
        if (!TryGet(key, out identity, shared))
        {
            return false; // only a header that carried a cached (validated) token is remembered
        }

        _headerKeys.AddOrUpdate(header, new KeyOf(key));
        return true;
    }

    private bool TryGet(UInt128 key, out ClaimsIdentity? identity, bool shared)
    {
        identity = null;
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        if (entry.ExpiresAt <= time.GetUtcNow())
        {
            _entries.TryRemove(new KeyValuePair<UInt128, Entry>(key, entry));
            return false;
        }

        // A fresh copy per request unless the caller can take the read-only one: claims transformations downstream must
        // not change the cached identity.
        identity = shared ? entry.Identity : entry.Identity.Clone();
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

        _entries[Key(token)] = new Entry(new SharedClaimsIdentity(identity), expires);
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

    private sealed class KeyOf(UInt128 key)
    {
        public UInt128 Key { get; } = key;
    }
}

/// <summary>
/// The identity a <see cref="ValidatedTokenCache"/> entry holds, shared by the requests that carry the same token:
/// adding or removing a claim throws (clone it first: <see cref="Clone"/> returns an ordinary mutable copy).
/// </summary>
/// <remarks>
/// Its claims never change, so the caller resolved from it is kept with it (<see cref="ICallerIdentityCache"/>): made once
/// per cached token, and gone with the cache entry, which lives no longer than the token.
/// </remarks>
internal sealed class SharedClaimsIdentity(ClaimsIdentity identity) : CaseSensitiveClaimsIdentity(identity), ICallerIdentityCache
{
    /// <inheritdoc />
    public object? ResolvedCaller { get; set; }

    private const string ReadOnlyMessage = "This identity comes from the validated-token cache and is shared by every request with the same bearer token. Clone it (ClaimsIdentity.Clone) before changing its claims, or register an IClaimsTransformation (each request then gets its own copy).";

    public override ClaimsIdentity Clone() => new CaseSensitiveClaimsIdentity(this);

    public override void AddClaim(Claim claim) => throw new InvalidOperationException(ReadOnlyMessage);

    public override void AddClaims(IEnumerable<Claim?> claims) => throw new InvalidOperationException(ReadOnlyMessage);

    public override void RemoveClaim(Claim? claim) => throw new InvalidOperationException(ReadOnlyMessage);

    public override bool TryRemoveClaim(Claim? claim) => throw new InvalidOperationException(ReadOnlyMessage);
}
