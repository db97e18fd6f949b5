namespace Msil.Mcp.Registry.Store;

/// <summary>The kinds of staged change.</summary>
internal static class ChangeKinds
{
    public const string Import = "import";
    public const string Override = "override";
    public const string Rollback = "rollback";
}

/// <summary>The states of a staged change.</summary>
internal static class ChangeStates
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Stale = "stale";

    public static bool IsKnown(string state) => state is Pending or Approved or Rejected or Stale;
}

/// <summary>
/// A registry write held for a second admin's approval (four-eyes): what it does (<see cref="Payload"/>, JSON), what it
/// would change (<see cref="Diff"/>, JSON) and the store revision it was planned against.
/// </summary>
internal sealed record StagedChange(
    string Id,
    string Kind,
    string? Tool,
    string? Source,
    string Summary,
    string Payload,
    string Diff,
    long BaseRevision,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    string State,
    string? DecidedBy = null,
    DateTimeOffset? DecidedAt = null,
    string? ElevationReference = null);

/// <summary>The outcome of approving or rejecting a staged change.</summary>
internal enum ChangeDecisionStatus
{
    /// <summary>Decided (and, for an approval, applied).</summary>
    Done,

    /// <summary>No change of that id.</summary>
    NotFound,

    /// <summary>The change was already decided.</summary>
    NotPending,

    /// <summary>The approver is the requester.</summary>
    SelfApproval,

    /// <summary>The store moved since the change was planned: it is now stale and was not applied.</summary>
    Stale,

    /// <summary>Applying the change failed (a conflict); nothing was applied and it stays pending.</summary>
    Failed,
}

/// <summary>The outcome of a decision: the change as it is now, the store revision and, for a failure, why.</summary>
internal sealed record ChangeDecision(ChangeDecisionStatus Status, StagedChange? Change, long Revision, string? Detail = null);

/// <summary>The audit actions of four-eyes staging.</summary>
internal static class ChangeAuditActions
{
    public const string Request = "registry.change.request";
    public const string Approve = "registry.change.approve";
    public const string Reject = "registry.change.reject";
    public const string Read = "registry.changes.read";
}
