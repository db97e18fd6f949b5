namespace Msil.Mcp.Elevation;

/// <summary>Options of just-in-time elevation, bound from <c>Msil:Mcp:Elevation</c>.</summary>
public sealed class ElevationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Elevation";

    /// <summary>
    /// Gets or sets where a user requests elevation. Placeholders: <c>{user}</c>, <c>{scope}</c>, <c>{reference}</c> (the
    /// correlation reference). A relative URL is resolved against the request's own origin.
    /// </summary>
    /// <value>Defaults to <c>/dev/pim/approve?user={user}&amp;scope={scope}&amp;ref={reference}</c> (the development approval page).</value>
    public string ElevationUrlTemplate { get; set; } = "/dev/pim/approve?user={user}&scope={scope}&ref={reference}";

    /// <summary>Gets or sets the grant lifetime when the approval system does not say.</summary>
    /// <value>Defaults to 3600 seconds (seed §4.2).</value>
    public TimeSpan DefaultGrantLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the longest grant accepted.</summary>
    /// <value>Defaults to 8 hours.</value>
    public TimeSpan MaxGrantLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Gets or sets the role of the approval system's identity, allowed to post and revoke grants.</summary>
    /// <value>Defaults to <c>pim-approver</c>.</value>
    public string ApproverRole { get; set; } = "pim-approver";

    /// <summary>Gets scope groups: a scope name mapped to the privileged tools it covers. A tool in no group is its own scope.</summary>
    /// <value>Defaults to empty.</value>
    public IDictionary<string, IList<string>> ScopeGroups { get; } = new Dictionary<string, IList<string>>(StringComparer.Ordinal);

    /// <summary>Gets or sets whether the development approval page (<c>/dev/pim</c>) is mapped. Refused outside Development.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool EnableDevelopmentApprovalPage { get; set; }
}
