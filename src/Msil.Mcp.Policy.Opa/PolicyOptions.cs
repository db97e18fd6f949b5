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
public sealed class OpaPolicyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Policy";

    /// <summary>Gets or sets the engine.</summary>
    /// <value>Defaults to <see cref="PolicyEngine.Embedded"/>.</value>
    public PolicyEngine Engine { get; set; } = PolicyEngine.Embedded;

    /// <summary>Gets or sets the path of the role and tool data file; it is reloaded when it changes.</summary>
    /// <value>Defaults to <see langword="null"/>: the <c>data.json</c> shipped with the package (viewer, operator, admin).</value>
    public string? DataFile { get; set; }

    /// <summary>Gets or sets the OPA endpoint.</summary>
    /// <value>Defaults to <c>http://localhost:8181</c> (the sidecar, seed §6.1).</value>
    [Required]
    public Uri Endpoint { get; set; } = new("http://localhost:8181");

    /// <summary>Gets or sets the decision path under <c>/v1/data/</c>.</summary>
    /// <value>Defaults to <c>msil/authz</c>.</value>
    [Required]
    public string DecisionPath { get; set; } = "msil/authz";

    /// <summary>Gets or sets the time OPA has to answer before the call is denied.</summary>
    /// <value>Defaults to 2 seconds.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);
}
