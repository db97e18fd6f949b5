namespace Msil.Mcp.Abstractions.Tools;

/// <summary>Marks a method as a governed tool; the Msil.Mcp source generator emits its definition, executor and registration.</summary>
/// <remarks>
/// The method's class must be a top-level, non-generic <see langword="partial"/> class. The description comes from the
/// method's <c>&lt;summary&gt;</c> XML doc comment or a <c>[Description]</c> attribute; parameter descriptions from
/// <c>&lt;param&gt;</c> or <c>[Description]</c>. See <c>docs/generator.md</c> for the schema mapping and what is injected.
/// </remarks>
/// <param name="riskLevel">The tool's risk level; drives policy, elevation and the MCP annotations.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class MsilToolAttribute(RiskLevel riskLevel) : Attribute
{
    /// <summary>Gets the tool's risk level.</summary>
    public RiskLevel RiskLevel { get; } = riskLevel;

    /// <summary>Gets or sets the tool name, matching <c>^[A-Za-z0-9_-]{1,64}$</c>.</summary>
    /// <value>Defaults to the method name in snake_case without an <c>Async</c> suffix (<c>GetOrderAsync</c> → <c>get_order</c>).</value>
    public string? Name { get; set; }

    /// <summary>Gets or sets the human-readable title.</summary>
    /// <value>Defaults to none.</value>
    public string? Title { get; set; }

    /// <summary>Gets or sets whether a repeated call with the same arguments has no further effect.</summary>
    /// <value>Defaults to <see langword="false"/>; read tools are always reported as idempotent.</value>
    public bool Idempotent { get; set; }

    /// <summary>Gets or sets the tool's version.</summary>
    /// <value>Defaults to <c>1.0.0</c>.</value>
    public string? Version { get; set; }

    /// <summary>Gets or sets whether the tool can run as a task of the MCP tasks extension (SEP-2663); see <see cref="ToolDefinition.TaskSupport"/>.</summary>
    /// <value>Defaults to <see cref="ToolTaskSupport.None"/>.</value>
    public ToolTaskSupport TaskSupport { get; set; }
}

/// <summary>Optional settings for every generated tool of a class.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class MsilToolClassAttribute : Attribute
{
    /// <summary>Gets or sets the business domain of the class's tools, used for discovery filters.</summary>
    /// <value>Defaults to none.</value>
    public string? Domain { get; set; }

    /// <summary>Gets or sets the catalog source name of the class's tools.</summary>
    /// <value>Defaults to <c>generated:</c> followed by the class's full name.</value>
    public string? Source { get; set; }
}

/// <summary>
/// Mirrors a tool argument into the <c>Mcp-Param-{Name}</c> HTTP header (SEP-2243 custom headers): the generator adds
/// <c>"x-mcp-header": "{Name}"</c> to the argument's schema, clients on the Streamable HTTP transport send the header,
/// and the server refuses a call whose header is missing or does not match the argument.
/// </summary>
/// <remarks>
/// Only for arguments whose schema type is <c>string</c>, <c>integer</c> or <c>boolean</c> (strings, enums, whole
/// numbers, booleans and their nullable forms); the name must be an HTTP token (letters, digits and
/// <c>!#$%&amp;'*+-.^_`|~</c>) and unique within the tool ignoring case. The generator reports MSILGEN012 otherwise.
/// The SDK's <c>ModelContextProtocol.Server.McpHeaderAttribute</c> is honoured the same way.
/// </remarks>
/// <param name="name">The header name without the <c>Mcp-Param-</c> prefix, for example <c>Region</c>.</param>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class MsilHeaderAttribute(string name) : Attribute
{
    /// <summary>Gets the header name without the <c>Mcp-Param-</c> prefix.</summary>
    public string Name { get; } = name;
}

/// <summary>Marks a tool method's parameter as resolved from the request's services instead of the tool's arguments.</summary>
/// <remarks>
/// Parameters of interface types other than the collection interfaces are resolved from services without it; use it
/// for class types. ASP.NET Core's <c>[FromServices]</c> is honoured the same way.
/// </remarks>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class FromServicesAttribute : Attribute
{
}
