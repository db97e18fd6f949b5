using System.ComponentModel.DataAnnotations;

namespace Msil.Mcp.Policy.Opa;

/// <summary>Which engine decides.</summary>
public enum PolicyEngine
{
    /// <summary>The embedded evaluator of <c>data.json</c>, in process.</summary>
    Embedded,

    /// <summary>An OPA sidecar over its REST Data API.</summary>
    Opa,
}

/// <summary>Options of the policy package, bound from <c>Msil:Mcp:Policy</c>.</summary>
/// <remarks>
/// Both engines decide the same way (docs/policy.md): the embedded one evaluates <c>data.json</c> in process, the OPA one
/// asks the Rego policies that ship with the package and read the same <c>data.json</c>.
/// </remarks>
public sealed class OpaPolicyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Policy";

    /// <summary>Gets or sets the engine. Read once at start.</summary>
    /// <value>Defaults to <see cref="PolicyEngine.Embedded"/>.</value>
    public PolicyEngine Engine { get; set; } = PolicyEngine.Embedded;

    /// <summary>
    /// Gets or sets the path of the role and tool data file of the embedded engine (relative paths resolve against the
    /// working directory). It is checked for changes at most once a second and reloaded; a file that cannot be read or
    /// parsed leaves the last good data in force.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the <c>data.json</c> shipped with the package (viewer, operator, admin, pim-approver).</value>
    public string? DataFile { get; set; }

    /// <summary>Gets or sets the OPA endpoint; a path base is kept (<c>{endpoint}/v1/data/{DecisionPath}</c>).</summary>
    /// <value>Defaults to <c>http://localhost:8181</c> (the sidecar, seed §6.1).</value>
    [Required(ErrorMessage = "Msil:Mcp:Policy:Endpoint is empty: set the OPA address, for example http://localhost:8181.")]
    public Uri Endpoint { get; set; } = new("http://localhost:8181");

    /// <summary>Gets or sets the decision path under <c>/v1/data/</c>; its result must have <c>allow</c> (boolean) and <c>reason</c> (string).</summary>
    /// <value>Defaults to <c>msil/authz</c>.</value>
    [Required(ErrorMessage = "Msil:Mcp:Policy:DecisionPath is empty: set the decision path under /v1/data/, for example msil/authz.")]
    public string DecisionPath { get; set; } = "msil/authz";

    /// <summary>Gets or sets the time OPA has to answer, connection included, before the request is denied (fail closed).</summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets how long an answer of OPA is reused for the same user (with the same roles and groups), tool, tool
    /// version and action. <see cref="TimeSpan.Zero"/> turns the cache off. Privileged tools, failures (fail-closed
    /// denials) and, when <see cref="IncludeArguments"/> is set, calls are never cached. Each use gets its own decision id.
    /// </summary>
    /// <value>Defaults to 5 seconds: a changed policy is in force everywhere at most 5 seconds later.</value>
    public TimeSpan DecisionCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets whether the call's arguments are sent to OPA as <c>input.arguments</c>, for rules that need them.
    /// Arguments then leave the process (to the sidecar), and calls are no longer cached. Each call is then decided
    /// twice: action <c>list</c> before its arguments are validated (a caller who may not see the tool learns nothing
    /// about it), action <c>execute</c> with the validated arguments after. The embedded engine never reads arguments.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool IncludeArguments { get; set; }
}
