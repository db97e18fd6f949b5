namespace Msil.Mcp;

/// <summary>
/// The start-up warm-up, bound from <c>Msil:Mcp:WarmUp</c>: before the server reports ready (<c>/health/ready</c>), it runs
/// the governed call's in-process stages for a synthetic caller (resolve, argument validation, result shaping, the audit
/// record without writing it) and the JSON contracts of the protocol, so the first real calls do not pay for first-call
/// costs. It reaches no network, writes no audit record and never fails the start.
/// </summary>
public sealed class MsilMcpWarmUpOptions
{
    /// <summary>The configuration section, under <c>Msil:Mcp</c>.</summary>
    public const string SectionName = "WarmUp";

    /// <summary>Gets or sets whether the warm-up runs at start.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets how many rounds the warm-up runs: each round takes up to <see cref="MaxTools"/> catalog tools through
    /// the stages. More rounds let the runtime's tiered compilation promote the hot methods before the first real call.
    /// </summary>
    /// <value>Defaults to 40; 1 to 1000.</value>
    public int Iterations { get; set; } = 40;

    /// <summary>Gets or sets how many catalog tools (in name order) each round takes through the stages.</summary>
    /// <value>Defaults to 8; 1 to 1000.</value>
    public int MaxTools { get; set; } = 8;

    /// <summary>
    /// Gets or sets the longest the warm-up may take, in seconds; when it elapses the server reports ready all the same
    /// (warning 362).
    /// </summary>
    /// <value>Defaults to 20; 1 to 300.</value>
    public int TimeoutSeconds { get; set; } = 20;
}
