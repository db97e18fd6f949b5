namespace Msil.Mcp.Abstractions;

/// <summary>
/// What the server knows about one caller it has seen: who they are (as their last token said) and how many governed
/// calls they made and how many were denied. Kept by <see cref="IUserDirectory"/>.
/// </summary>
public sealed record UserRecord
{
    /// <summary>Gets the caller's principal key (<see cref="CallerIdentity.PrincipalKey"/>: issuer and subject), the record's key.</summary>
    public required string PrincipalKey { get; init; }

    /// <summary>Gets the token's subject.</summary>
    public required string Subject { get; init; }

    /// <summary>Gets the token's issuer, if any.</summary>
    public string? Issuer { get; init; }

    /// <summary>Gets the name shown to people (<see cref="CallerIdentity.UserId"/>).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the roles of the caller's latest call.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Gets the groups of the caller's latest call.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Gets when the caller was first seen.</summary>
    public required DateTimeOffset FirstSeen { get; init; }

    /// <summary>Gets when the caller was last seen.</summary>
    public required DateTimeOffset LastSeen { get; init; }

    /// <summary>Gets how many governed calls the caller made (in an activity batch: how many since the last flush).</summary>
    public long Calls { get; init; }

    /// <summary>Gets how many of those calls were denied by policy (in an activity batch: since the last flush).</summary>
    public long Denials { get; init; }
}

/// <summary>A page of <see cref="UserRecord"/>s and how many match in all.</summary>
/// <param name="Items">The records of the page, most recently seen first.</param>
/// <param name="Total">How many records match the query.</param>
public sealed record UserPage(IReadOnlyList<UserRecord> Items, long Total);

/// <summary>
/// The users store: every caller the governed pipeline has seen, with their call and denial counts. The pipeline never
/// waits for it: calls are aggregated in memory and merged in the background every few seconds through
/// <see cref="MergeAsync"/>. The core keeps it in memory by default, or in PostgreSQL (<c>Msil:Mcp:Users</c>).
/// </summary>
public interface IUserDirectory
{
    /// <summary>
    /// Merges a batch of activity: for each record, adds <see cref="UserRecord.Calls"/> and <see cref="UserRecord.Denials"/>
    /// to the stored counts, keeps the earliest <see cref="UserRecord.FirstSeen"/> and the latest
    /// <see cref="UserRecord.LastSeen"/>, and takes the name, roles and groups of the batch (the caller's latest token).
    /// </summary>
    /// <param name="activity">One record per principal key: the activity since the last merge.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the batch is stored.</returns>
    ValueTask MergeAsync(IReadOnlyCollection<UserRecord> activity, CancellationToken cancellationToken);

    /// <summary>Lists the users, most recently seen first.</summary>
    /// <param name="search">
    /// Keeps records whose name, subject, issuer or principal key contains this text (ordinal, case-insensitive);
    /// <see langword="null"/> or empty keeps all.
    /// </param>
    /// <param name="offset">How many matching records to skip.</param>
    /// <param name="limit">The most records to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page and the number of matching records.</returns>
    ValueTask<UserPage> ListAsync(string? search, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>Gets one user by principal key.</summary>
    /// <param name="principalKey">The principal key (<see cref="CallerIdentity.PrincipalKey"/>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or <see langword="null"/> when the caller was never seen.</returns>
    ValueTask<UserRecord?> GetAsync(string principalKey, CancellationToken cancellationToken);
}
