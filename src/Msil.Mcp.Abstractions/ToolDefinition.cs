using System.Text.Json;

namespace Msil.Mcp.Abstractions;

/// <summary>One governed tool: what the model sees, how it is executed and how risky it is.</summary>
/// <remarks>
/// Definitions are immutable. Everything derived from one (schema validator, request template, annotations)
/// is built once per <see cref="ContentHash"/> and reused for every call.
/// </remarks>
public sealed record ToolDefinition
{
    // Collections read back from a store written before they existed come as null from source-generated JSON (an init
    // property it does not find is set to its default, not to the initializer's value): an older record reads as empty.
    private readonly IReadOnlyList<ToolExample> _examples = [];
    private readonly IReadOnlyList<string> _requiredScopes = [];

    /// <summary>Gets the tool name, unique in the catalog, matching <c>^[A-Za-z0-9_-]{1,64}$</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the tool's stable identity, which a curation rename does not change; <see langword="null"/> means the tool's <see cref="Name"/>.</summary>
    /// <remarks>
    /// Policy rules are keyed by it: a rule under the id applies to the tool whatever name it is served under, and wins over
    /// a rule under the served name (which still matches a tool that has no rule under its id). The tool registry sets it to
    /// the tool's stored (compiled) name, so renaming a tool by an override neither escapes its rules nor inherits another's.
    /// </remarks>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? Id { get; init; }

    /// <summary>Gets the human-readable title, if any.</summary>
    public string? Title { get; init; }

    /// <summary>Gets the description shown to the model.</summary>
    public required string Description { get; init; }

    /// <summary>Gets the tool's version.</summary>
    /// <value>Defaults to <c>1.0.0</c>.</value>
    public string Version { get; init; } = "1.0.0";

    /// <summary>Gets the risk level.</summary>
    public required RiskLevel RiskLevel { get; init; }

    /// <summary>Gets the JSON Schema (2020-12) of the arguments; always an object schema.</summary>
    /// <remarks>
    /// A top-level property of type <c>string</c>, <c>integer</c> or <c>boolean</c> may carry
    /// <c>"x-mcp-header": "Name"</c> (SEP-2243 custom headers): clients then send the argument in an
    /// <c>Mcp-Param-Name</c> HTTP header too, and the Streamable HTTP transport refuses a call whose header is missing or
    /// does not match (HTTP 400, -32020) before the governed pipeline runs. The name must be an HTTP token and unique
    /// within the tool ignoring case; the catalog refuses a tool whose declaration breaks these rules (see
    /// <c>docs/compatibility.md</c>).
    /// </remarks>
    public required JsonElement InputSchema { get; init; }

    /// <summary>Gets the JSON Schema of the structured result, if declared.</summary>
    public JsonElement? OutputSchema { get; init; }

    /// <summary>Gets the HTTP binding for API-backed tools; <see langword="null"/> for tools written in C#.</summary>
    public HttpBinding? Http { get; init; }

    /// <summary>Gets the executor kind that runs this tool (for example <c>http</c>); see <see cref="IToolExecutor.Kind"/>.</summary>
    public required string Executor { get; init; }

    /// <summary>Gets examples of good calls (seed §5.2 <c>positive_examples</c>).</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<ToolExample> Examples { get => _examples; init => _examples = value ?? []; }

    /// <summary>Gets where the definition came from, for example <c>openapi:sample-backend</c>.</summary>
    public required string Source { get; init; }

    /// <summary>Gets the business domain used for discovery filters (for example <c>dealer</c>), if known.</summary>
    public string? Domain { get; init; }

    /// <summary>Gets whether a repeated call has no further effect; <see langword="null"/> derives it from the HTTP method.</summary>
    public bool? Idempotent { get; init; }

    /// <summary>Gets argument values fixed by the operator, bound at execution whatever the caller sends.</summary>
    /// <remarks>
    /// A fixed argument is not in <see cref="InputSchema"/>; the pipeline adds these values to the validated arguments
    /// before policy and execution, so the executor binds them like any other argument (the tool registry's curation
    /// overlay sets them).
    /// </remarks>
    /// <value>Defaults to an empty dictionary.</value>
    public IReadOnlyDictionary<string, JsonElement> FixedArguments { get; init; } = EmptyArguments;

    /// <summary>
    /// Gets whether the tool can run as a task (the MCP tasks extension, SEP-2663): a client that negotiated the extension
    /// then gets a task id instead of waiting for a long-running result.
    /// </summary>
    /// <value>Defaults to <see cref="ToolTaskSupport.None"/>: the tool always runs inline.</value>
    public ToolTaskSupport TaskSupport { get; init; }

    /// <summary>
    /// Gets the OAuth 2.0 scopes the caller's token must carry to call the tool, from the operation's OpenAPI security
    /// requirement (<c>security</c> with an <c>oauth2</c> or <c>openIdConnect</c> scheme).
    /// </summary>
    /// <remarks>
    /// The policy decides on them (<see cref="PolicyRequest"/> carries the tool): by default a call whose token lacks one
    /// is denied with a reason that starts with <c>insufficient_scope</c> and names the missing scopes. When the
    /// operation offers several alternative requirements, only the scopes every usable alternative needs are listed.
    /// </remarks>
    /// <value>Defaults to an empty list: no scope is required.</value>
    public IReadOnlyList<string> RequiredScopes { get => _requiredScopes; init => _requiredScopes = value ?? []; }

    /// <summary>Gets the lower-case hex SHA-256 of the definition's canonical content.</summary>
    public required string ContentHash { get; init; }

    private static IReadOnlyDictionary<string, JsonElement> EmptyArguments { get; } = new Dictionary<string, JsonElement>(0, StringComparer.Ordinal);
}

/// <summary>Whether a tool can run as a task of the MCP tasks extension (SEP-2663).</summary>
public enum ToolTaskSupport
{
    /// <summary>The tool always runs inline and returns its result in the <c>tools/call</c> response.</summary>
    None,

    /// <summary>
    /// For a client that negotiated the tasks extension the call becomes a task when it does not finish within the
    /// immediate-result window or when the executor asks for it; other clients get the result inline.
    /// </summary>
    Optional,

    /// <summary>Only a client that negotiated the tasks extension may call the tool; others get the JSON-RPC error -32021.</summary>
    Required,
}

/// <summary>An example call of a tool.</summary>
/// <param name="Input">The arguments.</param>
/// <param name="Output">The expected result, if known.</param>
public sealed record ToolExample(JsonElement Input, JsonElement? Output);

/// <summary>Where an argument goes in an HTTP request.</summary>
public enum ParameterLocation
{
    /// <summary>A path segment.</summary>
    Path,

    /// <summary>A query-string parameter.</summary>
    Query,

    /// <summary>A request header.</summary>
    Header,

    /// <summary>A cookie.</summary>
    Cookie,

    /// <summary>A property of the request body object.</summary>
    Body,

    /// <summary>The whole request body.</summary>
    WholeBody,
}

/// <summary>How one tool argument maps onto the HTTP request.</summary>
/// <param name="Argument">The argument name in the tool's input schema.</param>
/// <param name="Name">The name on the wire (path template variable, query name, header name or body property).</param>
/// <param name="Location">Where the value goes.</param>
/// <param name="Style">The OpenAPI serialization style, if not the location's default.</param>
/// <param name="Explode">The OpenAPI <c>explode</c> flag, if given.</param>
public sealed record HttpParameterBinding(string Argument, string Name, ParameterLocation Location, string? Style = null, bool? Explode = null);

/// <summary>How an API-backed tool is called through the API manager.</summary>
public sealed record HttpBinding
{
    // Collections read back from a store written before they existed come as null from source-generated JSON (an init
    // property it does not find is set to its default, not to the initializer's value): an older record reads as empty.
    private readonly IReadOnlyList<HttpParameterBinding> _parameters = [];
    private readonly IReadOnlyList<BackendCredential> _credentials = [];

    /// <summary>Gets the HTTP method in upper case.</summary>
    public required string Method { get; init; }

    /// <summary>Gets the path template relative to the gateway, for example <c>/v1/dealers/{id}/enquiries</c>.</summary>
    public required string PathTemplate { get; init; }

    /// <summary>Gets the argument bindings.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<HttpParameterBinding> Parameters { get => _parameters; init => _parameters = value ?? []; }

    /// <summary>Gets the request body's media type, if the operation has a body.</summary>
    public string? BodyContentType { get; init; }

    /// <summary>Gets the named gateway (API manager instance or product) to call; <see langword="null"/> for the default one.</summary>
    public string? Gateway { get; init; }

    /// <summary>Gets the audience for the downstream token, if the backend needs its own.</summary>
    public string? Audience { get; init; }

    /// <summary>Gets how the request body is written as XML, when <see cref="BodyContentType"/> is an XML media type.</summary>
    public XmlMapping? BodyXml { get; init; }

    /// <summary>Gets how an XML response is read into structured content, when the operation answers in XML and its schema says how.</summary>
    public XmlMapping? ResponseXml { get; init; }

    /// <summary>Gets the credentials the backend expects (from the operation's OpenAPI security requirement).</summary>
    /// <value>Defaults to an empty list: the executor sends what the gateway's settings say.</value>
    public IReadOnlyList<BackendCredential> Credentials { get => _credentials; init => _credentials = value ?? []; }
}
