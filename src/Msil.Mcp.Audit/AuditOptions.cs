namespace Msil.Mcp.Audit;

/// <summary>When a governed call may answer relative to its audit record being written.</summary>
public enum AuditDurability
{
    /// <summary>The call waits until its record is written and flushed to the file (the default: nothing answered is lost).</summary>
    Flushed,

    /// <summary>The call waits only until its record is queued; a crash may lose the records still in the queue.</summary>
    Queued,
}

/// <summary>Options of the audit package, bound from <c>Msil:Mcp:Audit</c>.</summary>
public sealed class AuditOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Audit";

    /// <summary>Gets or sets the folder of the JSON-lines files; relative paths are under the host's content root.</summary>
    /// <value>Defaults to <c>audit-logs</c>.</value>
    public string Directory { get; set; } = "audit-logs";

    /// <summary>Gets or sets the durability policy.</summary>
    /// <value>Defaults to <see cref="AuditDurability.Flushed"/>.</value>
    public AuditDurability Durability { get; set; } = AuditDurability.Flushed;

    /// <summary>Gets or sets the size at which a file is closed and a new one begun (files also roll over each UTC day).</summary>
    /// <value>Defaults to 64 MiB.</value>
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Gets or sets how many records may wait for the writer; when full, callers wait.</summary>
    /// <value>Defaults to 10,000.</value>
    public int QueueCapacity { get; set; } = 10_000;
}
