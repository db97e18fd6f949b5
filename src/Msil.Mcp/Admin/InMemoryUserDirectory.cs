using System.Collections.Concurrent;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Admin;

/// <summary>The embedded users store: this process's memory (one instance; lost on restart).</summary>
internal sealed class InMemoryUserDirectory : IUserDirectory
{
    private readonly ConcurrentDictionary<string, UserRecord> _users = new(StringComparer.Ordinal);

    public ValueTask MergeAsync(IReadOnlyCollection<UserRecord> activity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activity);
        foreach (var a in activity)
        {
            _users.AddOrUpdate(a.PrincipalKey, static (_, a) => a, static (_, old, a) => Merge(old, a), a);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<UserPage> ListAsync(string? search, int offset, int limit, CancellationToken cancellationToken)
    {
        var matching = _users.Values.Where(u => Matches(u, search)).OrderByDescending(u => u.LastSeen).ThenBy(u => u.PrincipalKey, StringComparer.Ordinal).ToList();
        return new(new UserPage([.. matching.Skip(offset).Take(limit)], matching.Count));
    }

    public ValueTask<UserRecord?> GetAsync(string principalKey, CancellationToken cancellationToken)
        => new(_users.TryGetValue(principalKey, out var user) ? user : null);

    /// <summary>Merges one activity record into the stored one (see <see cref="IUserDirectory.MergeAsync"/>).</summary>
    internal static UserRecord Merge(UserRecord old, UserRecord a) => old with
    {
        Name = a.Name,
        Subject = a.Subject,
        Issuer = a.Issuer,
        Roles = a.Roles,
        Groups = a.Groups,
        FirstSeen = a.FirstSeen < old.FirstSeen ? a.FirstSeen : old.FirstSeen,
        LastSeen = a.LastSeen > old.LastSeen ? a.LastSeen : old.LastSeen,
        Calls = old.Calls + a.Calls,
        Denials = old.Denials + a.Denials,
    };

    private static bool Matches(UserRecord u, string? search)
        => string.IsNullOrEmpty(search)
            || u.Name.Contains(search, StringComparison.OrdinalIgnoreCase)
            || u.Subject.Contains(search, StringComparison.OrdinalIgnoreCase)
            || u.PrincipalKey.Contains(search, StringComparison.OrdinalIgnoreCase);
}
