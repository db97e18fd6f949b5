using System.Collections.Concurrent;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Policy.Opa.Opa;

/// <summary>
/// A short-lived cache of OPA's answers per (user, roles and groups, tool, tool version, risk level, action), so a
/// <c>tools/list</c> followed by calls does not ask OPA again for each. Only well-formed answers are cached, never a
/// fail-closed deny; privileged tools, tools that require scopes (the answer depends on the token's scopes),
/// unauthenticated callers and (when arguments are sent) calls are never cached.
/// A hit hands out a fresh decision id with the cached answer. Bounded: past <see cref="MaxEntries"/> expired entries
/// are dropped, and if that is not enough, all of them.
/// </summary>
internal sealed class OpaDecisionCache(TimeProvider time)
{
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<Key, Entry> _entries = new();

    public int Count => _entries.Count;

    public static bool IsCacheable(PolicyRequest request, OpaPolicyOptions options)
        => options.DecisionCacheDuration > TimeSpan.Zero
            && request.Tool.RiskLevel != RiskLevel.Privileged
            && request.Tool.RequiredScopes.Count == 0
            && request.User.IsAuthenticated
            && !(options.IncludeArguments && request.Action == PolicyAction.Execute);

    public bool TryGet(PolicyRequest request, out bool allow, out string reason)
    {
        if (_entries.TryGetValue(KeyOf(request), out var entry)
            && time.GetTimestamp() < entry.ExpiresAt
            && SameItems(entry.Roles, request.User.Roles)
            && SameItems(entry.Groups, request.User.Groups))
        {
            allow = entry.Allow;
            reason = entry.Reason;
            return true;
        }

        allow = false;
        reason = string.Empty;
        return false;
    }

    public void Set(PolicyRequest request, bool allow, string reason, TimeSpan duration)
    {
        var now = time.GetTimestamp();
        if (_entries.Count >= MaxEntries)
        {
            foreach (var (key, entry) in _entries)
            {
                if (entry.ExpiresAt <= now)
                {
                    _entries.TryRemove(key, out _);
                }
            }

            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }
        }

        var expires = now + (long)(duration.TotalSeconds * time.TimestampFrequency);
        _entries[KeyOf(request)] = new Entry([.. request.User.Roles], [.. request.User.Groups], allow, reason, expires);
    }

    public void Clear() => _entries.Clear();

    private static Key KeyOf(PolicyRequest request)
    {
        var hash = default(HashCode);
        foreach (var role in request.User.Roles)
        {
            hash.Add(role, StringComparer.Ordinal);
        }

        hash.Add('|');
        foreach (var group in request.User.Groups)
        {
            hash.Add(group, StringComparer.Ordinal);
        }

        var tool = request.Tool;
        return new Key(request.User.UserId, hash.ToHashCode(), tool.Name, tool.Id, tool.Version, tool.RiskLevel, request.Action);
    }

    // The hash only spreads the keys; equality of the roles and groups themselves is what lets an entry answer.
    private static bool SameItems(string[] cached, IReadOnlyList<string> current)
    {
        if (cached.Length != current.Count)
        {
            return false;
        }

        for (var i = 0; i < cached.Length; i++)
        {
            if (!string.Equals(cached[i], current[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private readonly record struct Key(string UserId, int PrincipalHash, string Tool, string? ToolId, string Version, RiskLevel Risk, PolicyAction Action);

    private sealed record Entry(string[] Roles, string[] Groups, bool Allow, string Reason, long ExpiresAt);
}
