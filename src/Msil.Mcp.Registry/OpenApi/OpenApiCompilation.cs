using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>The result of compiling one OpenAPI document into tool definitions.</summary>
/// <remarks>
/// Every operation in the document either becomes one entry of <see cref="Tools"/> or is named by an
/// <see cref="CompileSeverity.Error"/> or <see cref="CompileSeverity.Warning"/> diagnostic whose
/// <see cref="CompileDiagnostic.Operation"/> is set and whose <see cref="CompileDiagnostic.Skipped"/> is <see langword="true"/>,
/// so <c>Tools.Count</c> plus the number of skipped operations plus the operations an operation selection left out
/// (<see cref="OperationSelectionReport.Excluded"/>) equals <see cref="OperationCount"/>.
/// </remarks>
public sealed record OpenApiCompilation
{
    /// <summary>Gets a value indicating whether the document was read; <see langword="false"/> when it was rejected as a whole.</summary>
    public required bool Succeeded { get; init; }

    /// <summary>Gets the source name the caller gave (for example the file name of the document).</summary>
    public required string SourceName { get; init; }

    /// <summary>Gets the OpenAPI version the document declares (<c>2.0</c>, <c>3.0</c>, <c>3.1</c>, …), if it was read.</summary>
    public string? SpecVersion { get; init; }

    /// <summary>Gets the number of operations found in the document's paths.</summary>
    public int OperationCount { get; init; }

    /// <summary>Gets the compiled tools, ordered by path and then by HTTP method.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];

    /// <summary>Gets what the compiler reported about the document and its operations.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<CompileDiagnostic> Diagnostics { get; init; } = [];

    /// <summary>
    /// Gets the path of the document's first <c>servers</c> URL (Swagger 2.0: <c>basePath</c>), such as <c>/v2</c>: the tools'
    /// path templates are the document's paths without it, so the gateway URL a tool is called through must end with it
    /// (or the gateway must add it).
    /// </summary>
    /// <value><see langword="null"/> when the document has no server URL or its path is <c>/</c>.</value>
    public string? ServerBasePath { get; init; }

    /// <summary>Gets what the operation selection (<see cref="OpenApiCompilerOptions.Select"/>) did, rule by rule.</summary>
    /// <value>Defaults to <see langword="null"/>: no selection, every operation was compiled.</value>
    public OperationSelectionReport? Selection { get; init; }

    /// <summary>Gets the number of operations selected for compiling: <see cref="OperationCount"/> less those the selection left out.</summary>
    public int SelectedOperationCount => OperationCount - (Selection?.Excluded ?? 0);

    /// <summary>Gets quality findings about the compiled tools (descriptions, names, schema size).</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<LintFinding> Lint { get; init; } = [];
}

/// <summary>How serious a <see cref="CompileDiagnostic"/> is.</summary>
public enum CompileSeverity
{
    /// <summary>Something the operator may want to know; nothing was lost.</summary>
    Info = 0,

    /// <summary>Part of the document was ignored or an operation was not compiled, for a stated reason.</summary>
    Warning = 1,

    /// <summary>The document, or an operation in it, could not be compiled.</summary>
    Error = 2,
}

/// <summary>Something the compiler reports about a document or one of its operations.</summary>
/// <param name="Operation">The operation key (<c>GET /v1/dealers/{id}</c>), or <see langword="null"/> for the document as a whole.</param>
/// <param name="Severity">How serious it is.</param>
/// <param name="Code">A stable, lower-case, hyphenated code such as <c>unsupported-content-type</c>.</param>
/// <param name="Message">What happened and why, for people.</param>
/// <param name="Skipped"><see langword="true"/> when the operation produced no tool because of this diagnostic.</param>
/// <remarks>
/// Codes: <c>document-too-large</c>, <c>document-unreadable</c>, <c>reader-message</c> (a problem the OpenAPI reader
/// reported while still producing a document), <c>operation-failed</c>, <c>unsupported-content-type</c>,
/// <c>request-body-ignored</c>, <c>reference-unresolved</c>, <c>parameter-ignored</c>, <c>path-parameter-added</c>,
/// <c>argument-renamed</c>, <c>risk-level-invalid</c>, <c>schema-too-large</c>, <c>output-schema-dropped</c>,
/// <c>budget-exhausted</c>, <c>mcp-header-invalid</c> (an <c>x-mcp-header</c> on a parameter that SEP-2243 does not allow; the tool is imported without its headers)
/// <c>selection-rule-unmatched</c> (a rule of the operation selection matches no operation of the document)
/// and <c>xml-root-name-missing</c> (an XML request body whose schema names no root element; <c>root</c> is used).
/// </remarks>
public sealed record CompileDiagnostic(
    string? Operation,
    CompileSeverity Severity,
    string Code,
    string Message,
    bool Skipped = false);

/// <summary>A quality finding about one compiled tool.</summary>
/// <param name="Tool">The tool name.</param>
/// <param name="Code">
/// A stable, lower-case, hyphenated code: <c>description-missing</c>, <c>description-short</c>,
/// <c>parameters-undocumented</c>, <c>name-changed</c>, <c>input-schema-large</c>, <c>output-schema-large</c>,
/// <c>schema-depth-capped</c>, <c>operation-deprecated</c>, <c>security-unsatisfiable</c> (the operation's security
/// requirement has no alternative the gateway can meet: HTTP basic, an API key in a query or cookie, mutual TLS, an
/// undefined scheme) or <c>schema-budget</c> (the tool's schemas were over
/// <see cref="OpenApiCompilerOptions.MaxToolSchemaBytes"/>; the message names the steps taken to fit, with the sizes).
/// </param>
/// <param name="Message">What was found, for people.</param>
public sealed record LintFinding(string Tool, string Code, string Message);
