using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Curation;

namespace Msil.Mcp.Registry.Store;

/// <summary>One stored version of a tool.</summary>
internal sealed record StoredToolVersion(int Version, string ContentHash, DateTimeOffset CreatedAt, long? ImportId);

/// <summary>A tool row: its current compiled definition, its state and its curation override.</summary>
internal sealed record StoredTool(
    string Name,
    string Source,
    int CurrentVersion,
    int LatestVersion,
    bool Retired,
    bool Pinned,
    ToolDefinition Definition,
    ToolOverride? Override,
    DateTimeOffset? UpdatedAt = null);

/// <summary>A tool with every stored version, newest first.</summary>
internal sealed record ToolHistory(StoredTool Tool, IReadOnlyList<StoredToolVersion> Versions);

/// <summary>What the store holds at one revision: the tools that are not retired.</summary>
internal sealed record StoreSnapshot(long Revision, IReadOnlyList<StoredTool> Tools);

/// <summary>One import in the history.</summary>
internal sealed record ImportRecordInfo(
    long Id,
    string Source,
    string Actor,
    DateTimeOffset ImportedAt,
    string DocumentHash,
    string? SpecVersion,
    int Added,
    int Changed,
    int Removed,
    int Unchanged);

/// <summary>An import to plan or apply.</summary>
internal sealed record ImportRequest(string Source, IReadOnlyList<ToolDefinition> Tools, string Actor, string DocumentHash, string? SpecVersion, bool DryRun);

/// <summary>The outcome of an import: the plan, and when applied, its history id and the store revision.</summary>
internal sealed record ImportResult(ImportPlan Plan, long? ImportId, long Revision);

/// <summary>The outcome of an override or rollback.</summary>
internal enum StoreWriteStatus
{
    /// <summary>Done.</summary>
    Done,

    /// <summary>No tool of that name.</summary>
    NotFound,

    /// <summary>The tool has no such version.</summary>
    NoSuchVersion,

    /// <summary>The request conflicts with another tool (a rename to a taken name).</summary>
    Conflict,
}

/// <summary>The outcome of a store write.</summary>
internal sealed record StoreWriteResult(StoreWriteStatus Status, long Revision, string? Detail = null);
