namespace Msil.Mcp.Tasks;

/// <summary>
/// The MCP tasks extension (SEP-2663), bound from <c>Msil:Mcp:Tasks</c>: which calls become tasks, how long a task is
/// kept and how many a caller may have running.
/// </summary>
public sealed class ToolTaskOptions
{
    /// <summary>The configuration section, relative to <c>Msil:Mcp</c>.</summary>
    public const string SectionName = "Tasks";

    /// <summary>
    /// Gets or sets whether the server offers the tasks extension: it advertises <c>io.modelcontextprotocol/tasks</c>
    /// and answers <c>tasks/get</c>, <c>tasks/update</c> and <c>tasks/cancel</c>. When off every tool runs inline,
    /// whatever its <see cref="Abstractions.ToolDefinition.TaskSupport"/>.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets how long, in milliseconds, a task-supporting call may run inline before it becomes a task; a call
    /// that finishes sooner answers with its result (the immediate-result shortcut). 0 makes every such call a task
    /// before its executor starts.
    /// </summary>
    /// <value>Defaults to 200.</value>
    public int ImmediateResultWindowMs { get; set; } = 200;

    /// <summary>
    /// Gets or sets how long, in seconds, a task is kept after its last change (the <c>ttlMs</c> the client sees); a
    /// task is never removed sooner. A task still running or waiting for input when it expires is cancelled.
    /// </summary>
    /// <value>Defaults to 3600.</value>
    public int TtlSeconds { get; set; } = 3600;

    /// <summary>Gets or sets the polling interval, in milliseconds, suggested to the client (<c>pollIntervalMs</c>).</summary>
    /// <value>Defaults to 500.</value>
    public int PollIntervalMs { get; set; } = 500;

    /// <summary>
    /// Gets or sets how many tasks one caller may have that have not ended (working or waiting for input); a call over
    /// the limit is refused before its executor starts.
    /// </summary>
    /// <value>Defaults to 32.</value>
    public int MaxActivePerCaller { get; set; } = 32;
}
