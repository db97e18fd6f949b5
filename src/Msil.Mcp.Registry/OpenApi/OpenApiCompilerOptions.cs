using System.ComponentModel.DataAnnotations;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>Settings for <see cref="OpenApiToolCompiler"/>.</summary>
/// <remarks>
/// The compiler takes a snapshot of these settings when it is constructed; later changes to the instance do not
/// affect a compiler that already exists.
/// </remarks>
public sealed class OpenApiCompilerOptions
{
    /// <summary>Gets or sets the longest tool description, in characters; longer text is cut and ends with <c>…</c>.</summary>
    /// <value>Defaults to <c>1024</c>. The smallest accepted value is <c>16</c>.</value>
    [Range(16, int.MaxValue)]
    public int MaxDescriptionLength { get; set; } = 1024;

    /// <summary>Gets or sets the largest document the compiler reads, in bytes; a larger one is rejected before it is parsed.</summary>
    /// <value>Defaults to <c>26214400</c> (25 MB).</value>
    [Range(1L, long.MaxValue)]
    public long MaxDocumentBytes { get; set; } = 25L * 1024 * 1024;

    /// <summary>Gets or sets how deeply nested schemas are expanded; deeper schemas become <c>{}</c> and a lint finding.</summary>
    /// <value>Defaults to <c>64</c>. Accepted values are <c>1</c> to <c>256</c>.</value>
    [Range(1, 256)]
    public int MaxSchemaDepth { get; set; } = 64;

    /// <summary>
    /// Gets or sets the size budget of one tool: its input and output schemas together, serialized, in bytes. A tool over
    /// it has every referenced schema shared under <c>$defs</c>, then its schema descriptions shortened, then its output
    /// schema dropped, until it fits; a <c>schema-budget</c> lint finding says which steps were taken, with the sizes.
    /// </summary>
    /// <value>Defaults to <c>65536</c> (64 KB). The smallest accepted value is <c>1024</c>.</value>
    [Range(1024, int.MaxValue)]
    public int MaxToolSchemaBytes { get; set; } = 64 * 1024;

    /// <summary>Gets or sets the executor kind written into every compiled tool (<c>ToolDefinition.Executor</c>).</summary>
    /// <value>Defaults to <c>http</c>.</value>
    [Required]
    public string ExecutorKind { get; set; } = "http";

    /// <summary>Gets or sets the named gateway written into every tool's HTTP binding.</summary>
    /// <value>Defaults to <see langword="null"/>: the default gateway.</value>
    public string? Gateway { get; set; }

    /// <summary>Gets or sets the downstream token audience written into every tool's HTTP binding.</summary>
    /// <value>Defaults to <see langword="null"/>: the backend needs no token of its own.</value>
    public string? Audience { get; set; }

    /// <summary>Gets the hosts from which external <c>$ref</c> targets may be fetched.</summary>
    /// <value>
    /// Defaults to an empty list: external references are never fetched. The current compiler fetches nothing even for
    /// listed hosts; it reports every external reference as unresolved and uses <c>{}</c> for its schema.
    /// </value>
    public IList<string> AllowedExternalHosts { get; } = [];

    /// <summary>
    /// Gets the operation selection: which operations become tools and at which risk level, tried in order, the first
    /// matching rule deciding (see <see cref="OperationSelectionRule"/>). Excluded operations are named like the others
    /// (so a tool keeps its name whatever is selected) but not compiled, and are counted in <see cref="OpenApiCompilation.Selection"/>.
    /// </summary>
    /// <value>Defaults to empty: every operation becomes a tool.</value>
    public IList<OperationSelectionRule> Select { get; } = [];
}
