namespace Msil.Mcp.Tasks;

/// <summary>
/// The MCP tasks extension (SEP-2663), bound from <c>Msil:Mcp:Tasks</c>: which calls become tasks, how long a task is
/// kept and how many a caller may have running.
/// </summary>
/// <remarks>
/// Experimental (diagnostic <c>MSILMCP001</c>), as the MCP C# SDK marks its own tasks API: the tasks extension is still
/// changing in the specification. Binding the section from configuration raises no diagnostic; code that sets these
/// options suppresses it (<c>&lt;NoWarn&gt;$(NoWarn);MSILMCP001&lt;/NoWarn&gt;</c>) to say it accepts changes.
/// </remarks>
[System.Diagnostics.CodeAnalysis.Experimental("MSILMCP001")]
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

    /// <summary>
    /// Gets or sets the Redis connection string (StackExchange.Redis syntax) of a task store shared by every replica:
    /// <c>tasks/get</c>, <c>tasks/update</c> and <c>tasks/cancel</c> may then land on any replica, and cancellation and
    /// answered input reach the replica running the executor through Redis pub/sub. Records are protected with ASP.NET
    /// Core Data Protection (results may hold business data), so the replicas need a shared key ring
    /// (the shared <c>Msil:Mcp:Redis</c> connection keeps it). Deprecated in favour of <c>Msil:Mcp:Redis:ConnectionString</c>,
    /// which puts tasks in Redis too; when set, it overrides the shared connection for tasks with a second keyed one.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: tasks are kept in Redis when <c>Msil:Mcp:Redis:ConnectionString</c> is set, else in memory, per replica.</value>
    public string? RedisConnectionString { get; set; }

    /// <summary>
    /// Gets or sets whether Production accepts <see cref="RedisConnectionString"/> without TLS or without a password. Without it a Production host
    /// refuses to start when <see cref="RedisConnectionString"/> lacks either (seed §8.2); with it the host starts and logs a warning.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowInsecureRedis { get; set; }

    /// <summary>Gets or sets the prefix of the task store's Redis keys and of its signal channel.</summary>
    /// <value>Defaults to <c>msil:task:</c>.</value>
    public string RedisKeyPrefix { get; set; } = "msil:task:";
}
