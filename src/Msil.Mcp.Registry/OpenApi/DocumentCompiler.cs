using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Msil.Mcp.Abstractions;
using Msil.Mcp.CustomHeaders;
using OpenApiLocation = Microsoft.OpenApi.ParameterLocation;
using ToolLocation = Msil.Mcp.Abstractions.ParameterLocation;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>Compiles one parsed OpenAPI document into tool definitions; one instance per compilation.</summary>
internal sealed class DocumentCompiler
{
    /// <summary>The largest input or output schema written at all, in bytes; a larger input schema skips the operation.</summary>
    /// <remarks>A hard limit on the work per schema, far above the tool's budget (<see cref="CompilerSettings.MaxToolSchemaBytes"/>).</remarks>
    internal const int MaxSchemaBytes = 4 * 1024 * 1024;

    /// <summary>The most schema bytes one compilation produces; operations after that are skipped.</summary>
    internal const long TotalSchemaBudgetBytes = 256L * 1024 * 1024;

    /// <summary>An input schema larger than this (serialized) gets an <c>input-schema-large</c> lint finding.</summary>
    internal const int LargeInputSchemaBytes = 32 * 1024;

    /// <summary>An output schema larger than this (serialized) gets an <c>output-schema-large</c> lint finding.</summary>
    internal const int LargeOutputSchemaBytes = 128 * 1024;

    /// <summary>A description shorter than this gets a <c>description-short</c> lint finding.</summary>
    internal const int ShortDescriptionLength = 20;

    private const int MaxReaderMessages = 20;
    private const int MaxExamples = 3;
    private const string RiskLevelExtension = "x-mcp-risk-level";
    private const string IdempotencyKeyHeader = "Idempotency-Key";

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 4096 };

    private readonly CompilerSettings _settings;
    private readonly string _sourceName;
    private readonly List<CompileDiagnostic> _diagnostics = [];
    private readonly List<LintFinding> _lint = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly HashSet<JsonElement> _elements = new(RawJsonComparer.Instance);
    private SchemaEmitter _emitter = null!;
    private OpenApiDocument _document = null!;
    private long _schemaBytes;
    private int _skipped;
    private Dictionary<OperationEntry, RiskLevel>? _selectedRisk;

    public DocumentCompiler(CompilerSettings settings, string sourceName)
    {
        _settings = settings;
        _sourceName = sourceName;
    }

    /// <summary>Reads and compiles the document.</summary>
    public OpenApiCompilation Compile(ReadOnlyMemory<byte> utf8)
    {
        var (result, error) = OpenApiDocumentReader.Read(utf8, _settings.MaxDocumentBytes);
        if (result?.Document is not { } document)
        {
            return Failed(_sourceName, CompileCodes.DocumentUnreadable, error ?? "The document cannot be read as OpenAPI.");
        }

        var version = result.Diagnostic is { } readerDiagnostic ? OpenApiDocumentReader.ToText(readerDiagnostic.SpecificationVersion) : null;
        ReportReaderMessages(result.Diagnostic);

        var operations = CollectOperations(document);
        var names = AssignNames(operations);
        var selection = Select(operations);
        _emitter = new SchemaEmitter(document, _settings.MaxSchemaDepth, _settings.AllowedExternalHosts);
        _document = document;

        var tools = new List<ToolDefinition>(operations.Count);
        foreach (var operation in operations)
        {
            if (selection.Excluded?.Contains(operation) == true)
            {
                continue;
            }

            var skippedBefore = _skipped;
            ToolDefinition? tool = null;
            if (_schemaBytes > TotalSchemaBudgetBytes)
            {
                Skip(operation, CompileSeverity.Warning, CompileCodes.BudgetExhausted,
                    $"The compilation produced more than {TotalSchemaBudgetBytes} bytes of schemas; the remaining operations were not compiled.");
            }
            else
            {
                try
                {
                    tool = CompileOperation(operation, names[operation]);
                }
                catch (SchemaTooLargeException)
                {
                    Skip(operation, CompileSeverity.Warning, CompileCodes.SchemaTooLarge,
                        $"The input schema is larger than {MaxSchemaBytes} bytes even after shared schemas were moved to $defs.");
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Skip(operation, CompileSeverity.Error, CompileCodes.OperationFailed,
                        $"The operation could not be compiled: {ex.GetType().Name}: {ex.Message}");
                }
            }

            if (tool is not null)
            {
                tools.Add(tool);
            }
            else if (_skipped == skippedBefore)
            {
                Skip(operation, CompileSeverity.Error, CompileCodes.OperationFailed, "The operation produced no tool.");
            }
        }

        return new OpenApiCompilation
        {
            Succeeded = true,
            SourceName = _sourceName,
            SpecVersion = version,
            OperationCount = operations.Count,
            ServerBasePath = ServerBasePathOf(document),
            Selection = selection.Report,
            Tools = tools,
            Diagnostics = _diagnostics,
            Lint = _lint,
        };
    }

    /// <summary>Returns a failed compilation with one document-level error.</summary>
    public static OpenApiCompilation Failed(string sourceName, string code, string message) => new()
    {
        Succeeded = false,
        SourceName = sourceName,
        Diagnostics = [new CompileDiagnostic(null, CompileSeverity.Error, code, message)],
    };

    private void ReportReaderMessages(Microsoft.OpenApi.Reader.OpenApiDiagnostic? diagnostic)
    {
        if (diagnostic is null)
        {
            return;
        }

        // Swagger 2.0 allows 'schemes' on an operation (it overrides the document's); the reader's 2.0 operation
        // deserializer does not know it and reports every one. Not a finding: the gateway decides the scheme.
        var messages = diagnostic.Errors.Concat(diagnostic.Warnings)
            .Where(m => !(diagnostic.SpecificationVersion == OpenApiSpecVersion.OpenApi2_0
                && m.Message.StartsWith("schemes is not a valid property", StringComparison.Ordinal)))
            .ToList();
        foreach (var message in messages.Take(MaxReaderMessages))
        {
            _diagnostics.Add(new CompileDiagnostic(null, CompileSeverity.Warning, CompileCodes.ReaderMessage, message.ToString()));
        }

        if (messages.Count > MaxReaderMessages)
        {
            _diagnostics.Add(new CompileDiagnostic(null, CompileSeverity.Warning, CompileCodes.ReaderMessage,
                $"The OpenAPI reader reported {messages.Count - MaxReaderMessages} more problems that are not listed."));
        }
    }

    private List<OperationEntry> CollectOperations(OpenApiDocument document)
    {
        var operations = new List<OperationEntry>();
        if (document.Paths is null)
        {
            return operations;
        }

        foreach (var (path, item) in document.Paths)
        {
            if (item is null)
            {
                continue;
            }

            if (item is OpenApiPathItemReference { UnresolvedReference: true } pathReference)
            {
                _diagnostics.Add(new CompileDiagnostic(null, CompileSeverity.Warning, CompileCodes.ReferenceUnresolved,
                    $"The path item '{path}' refers to '{pathReference.Reference?.ReferenceV3}', which cannot be resolved; its operations are not counted."));
                continue;
            }

            if (item.Operations is not { } byMethod)
            {
                continue;
            }

            foreach (var (method, operation) in byMethod)
            {
                if (operation is not null)
                {
                    operations.Add(new OperationEntry(path, method.Method.ToUpperInvariant(), operation, item));
                }
            }
        }

        operations.Sort(static (a, b) =>
        {
            var byPath = string.CompareOrdinal(a.Path, b.Path);
            if (byPath != 0)
            {
                return byPath;
            }

            var byRank = MethodRank(a.Method).CompareTo(MethodRank(b.Method));
            return byRank != 0 ? byRank : string.CompareOrdinal(a.Method, b.Method);
        });
        return operations;
    }

    /// <summary>Applies the operation selection, after naming (so names do not depend on it); reports rules that match nothing.</summary>
    private (HashSet<OperationEntry>? Excluded, OperationSelectionReport? Report) Select(List<OperationEntry> operations)
    {
        if (_settings.Selector is not { } selector)
        {
            return (null, null);
        }

        var decisions = selector.Select(
            [.. operations.Select(o => (o.Method, o.Path, o.Operation.OperationId, TagsOf(o)))],
            out var report);
        var excluded = new HashSet<OperationEntry>();
        _selectedRisk = [];
        for (var i = 0; i < operations.Count; i++)
        {
            if (!decisions[i].Included)
            {
                excluded.Add(operations[i]);
            }
            else if (decisions[i].RiskLevel is { } level)
            {
                _selectedRisk[operations[i]] = level;
            }
        }

        foreach (var rule in report.Rules.Where(r => r.Taken == 0))
        {
            _diagnostics.Add(new CompileDiagnostic(null, CompileSeverity.Warning, CompileCodes.SelectionRuleUnmatched,
                string.Create(CultureInfo.InvariantCulture, $"Selection rule {rule.Index} ({rule.Rule}) matches no operation the rules before it left; correct it or remove it.")));
        }

        return (excluded, report);
    }

    /// <summary>The path of the document's first server URL (Swagger 2.0's basePath), variables at their defaults; <see langword="null"/> for none or <c>/</c>.</summary>
    internal static string? ServerBasePathOf(OpenApiDocument document)
    {
        if (document.Servers is not { Count: > 0 } servers || servers[0]?.Url is not { Length: > 0 } url)
        {
            return null;
        }

        foreach (var (name, variable) in servers[0].Variables ?? new Dictionary<string, OpenApiServerVariable>())
        {
            url = url.Replace("{" + name + "}", variable?.Default ?? string.Empty, StringComparison.Ordinal);
        }

        string path;
        if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            path = absolute.AbsolutePath;
        }
        else if (url.StartsWith('/'))
        {
            var end = url.IndexOfAny(['?', '#']);
            path = end < 0 ? url : url[..end];
        }
        else
        {
            return null;
        }

        path = path.TrimEnd('/');
        return path.Length == 0 || path.Contains('{', StringComparison.Ordinal) ? null : path;
    }

    private static IReadOnlyCollection<string> TagsOf(OperationEntry entry)
        => entry.Operation.Tags is { Count: > 0 } tags ? [.. tags.Select(t => t?.Name ?? t?.Reference?.Id).OfType<string>()] : [];

    private static int MethodRank(string method) => method switch
    {
        "GET" => 0,
        "PUT" => 1,
        "POST" => 2,
        "DELETE" => 3,
        "OPTIONS" => 4,
        "HEAD" => 5,
        "PATCH" => 6,
        "TRACE" => 7,
        "QUERY" => 8,
        _ => 9,
    };

    /// <summary>Names every operation: operations with an id first, then the rest, each group in path and method order.</summary>
    private static Dictionary<OperationEntry, ToolName> AssignNames(List<OperationEntry> operations)
    {
        var candidates = new List<(OperationEntry Entry, string Full, bool FromId, bool Sanitized)>(operations.Count);
        foreach (var entry in operations)
        {
            var id = entry.Operation.OperationId?.Trim();
            var full = string.IsNullOrEmpty(id) ? string.Empty : ToolNaming.ToSnakeCase(id);
            var fromId = full.Length > 0;
            if (!fromId)
            {
                full = ToolNaming.FromMethodAndPath(entry.Method, entry.Path);
            }

            var sanitized = fromId && id!.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'));
            candidates.Add((entry, full, fromId, sanitized));
        }

        var taken = new HashSet<string>(StringComparer.Ordinal);
        var names = new Dictionary<OperationEntry, ToolName>(ReferenceEqualityComparer.Instance);
        foreach (var (entry, full, fromId, sanitized) in candidates.Where(c => c.FromId).Concat(candidates.Where(c => !c.FromId)))
        {
            var name = ToolNaming.Truncate(full);
            var truncated = name.Length < full.Length;
            var collided = false;
            if (!taken.Add(name))
            {
                collided = true;
                name = ToolNaming.WithSuffix(full, entry.Key);
                for (var n = 2; !taken.Add(name); n++)
                {
                    name = ToolNaming.WithSuffix(full, entry.Key + "#" + n.ToString(CultureInfo.InvariantCulture));
                }
            }

            var reasons = new List<string>();
            if (!fromId)
            {
                reasons.Add(string.IsNullOrWhiteSpace(entry.Operation.OperationId)
                    ? "the operation has no operationId, so the name was derived from the method and path"
                    : $"the operationId '{entry.Operation.OperationId}' has no usable characters, so the name was derived from the method and path");
            }
            else if (sanitized)
            {
                reasons.Add($"characters of the operationId '{entry.Operation.OperationId}' outside [A-Za-z0-9_-] were replaced");
            }

            if (truncated)
            {
                reasons.Add($"'{full}' is longer than {ToolNaming.MaxLength} characters and was shortened with a hash suffix");
            }

            if (collided)
            {
                reasons.Add($"'{ToolNaming.Truncate(full)}' is already used by another operation, so a suffix derived from '{entry.Key}' was added");
            }

            names[entry] = new ToolName(name, reasons);
        }

        return names;
    }

    private ToolDefinition? CompileOperation(OperationEntry entry, ToolName toolName)
    {
        var operation = entry.Operation;
        var arguments = new List<Argument>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var renamed = new List<string>();
        var takesIdempotencyKey = false;

        // Parameters: path-level first, operation-level replacing them by (name, in); grouped by location.
        foreach (var parameter in MergeParameters(entry))
        {
            takesIdempotencyKey |= parameter.In == OpenApiLocation.Header && string.Equals(parameter.Name, IdempotencyKeyHeader, StringComparison.OrdinalIgnoreCase);
            var outcome = AddParameter(entry, parameter, arguments, taken, renamed);
            if (!outcome)
            {
                return null;
            }
        }

        AddMissingPathParameters(entry, arguments, taken);

        string? bodyContentType = null;
        IOpenApiMediaType? bodyMedia = null;
        Argument? wholeBody = null;
        XmlMapping? bodyXml = null;
        if (operation.RequestBody is { } body)
        {
            if (body is OpenApiRequestBodyReference { UnresolvedReference: true } bodyReference)
            {
                return Skip(entry, CompileSeverity.Warning, CompileCodes.ReferenceUnresolved,
                    $"The request body refers to '{bodyReference.Reference?.ReferenceV3}', which cannot be resolved.");
            }

            var content = body.Content;
            if (content is not { Count: > 0 })
            {
                Report(entry, CompileSeverity.Info, CompileCodes.RequestBodyIgnored, "The request body declares no media type; the tool sends no body.");
            }
            else if (SelectMedia(content, request: true) is not { } selected)
            {
                var types = string.Join(", ", content.Keys);
                if (body.Required)
                {
                    return Skip(entry, CompileSeverity.Warning, CompileCodes.UnsupportedContentType,
                        $"The required request body has only unsupported media types ({types}); tools can send JSON, XML, application/x-www-form-urlencoded, multipart/form-data, text/plain or application/octet-stream bodies.");
                }

                Report(entry, CompileSeverity.Info, CompileCodes.RequestBodyIgnored,
                    $"The optional request body has only unsupported media types ({types}); the tool sends no body.");
            }
            else
            {
                bodyContentType = selected.ContentType;
                bodyMedia = selected.Media;
                switch (BodyKindOf(selected.ContentType))
                {
                    case BodyKind.Text:
                        wholeBody = AddWholeBody(body, TextSchema(selected.Media.Schema), null, arguments, taken);
                        break;
                    case BodyKind.Binary:
                        // Sent as the decoded bytes; the executor caps the size and says which argument was too large.
                        wholeBody = AddWholeBody(body, new OpenApiSchema { Type = JsonSchemaType.String, Format = "byte" },
                            "The body's bytes, base64-encoded.", arguments, taken);
                        break;
                    case BodyKind.Xml:
                        wholeBody = AddBody(body, selected.Media.Schema, arguments, taken, renamed);
                        bodyXml = new XmlMappingBuilder(_emitter).Build(selected.Media.Schema, XmlFallbackRoot, out var named);
                        if (!named)
                        {
                            Report(entry, CompileSeverity.Info, CompileCodes.XmlRootNameMissing,
                                $"The XML request body's schema has no xml.name and is not a named component; its root element is '{XmlFallbackRoot}'.");
                        }

                        break;
                    default:
                        wholeBody = AddBody(body, selected.Media.Schema, arguments, taken, renamed);
                        break;
                }
            }
        }

        if (renamed.Count > 0)
        {
            Report(entry, CompileSeverity.Info, CompileCodes.ArgumentRenamed,
                "Arguments were renamed (wire name → argument): " + string.Join(", ", renamed) + ".");
        }

        // Input schema.
        var (inputBytes, inputScope) = WriteInputSchema(arguments, EmitMode.Normal);
        var inputSchema = Shared(inputBytes);

        // x-mcp-header (SEP-2243), copied from parameters: a bad declaration would make the catalog refuse the tool and
        // SDK clients drop it, so the tool is imported without its headers and the diagnostic says what to fix.
        if (arguments.Any(a => a.Overrides?.McpHeader is not null)
            && McpHeaderSchema.Validate(toolName.Name, inputSchema) is { } headerProblem)
        {
            Report(entry, CompileSeverity.Warning, CompileCodes.McpHeaderInvalid,
                headerProblem + " The tool is imported without Mcp-Param headers.");
            foreach (var argument in arguments.Where(a => a.Overrides?.McpHeader is not null))
            {
                argument.Overrides!.McpHeader = null;
            }

            (inputBytes, inputScope) = WriteInputSchema(arguments, EmitMode.Normal);
            inputSchema = Shared(inputBytes);
        }

        // Output schema, then the tool's size budget.
        var (outputBytes, responseMedia, outputScope, responseXml) = CompileOutput(entry, EmitMode.Normal);
        if (inputBytes.Length + (outputBytes?.Length ?? 0) > _settings.MaxToolSchemaBytes)
        {
            (inputBytes, inputScope, outputBytes, outputScope) = FitBudget(entry, toolName.Name, arguments, inputBytes, inputScope, outputBytes, outputScope);
            inputSchema = Shared(inputBytes);
        }

        var inputSize = inputBytes.Length;
        var outputSize = outputBytes?.Length ?? 0;
        JsonElement? outputSchema = outputBytes is null ? null : Shared(outputBytes);
        var security = SecurityCompiler.Compile(_document, operation);
        _schemaBytes += inputSize + outputSize;

        ReportUnresolved(entry, inputScope, outputScope);

        var http = new HttpBinding
        {
            Method = entry.Method,
            PathTemplate = PathTemplate(entry.Path),
            Parameters = [.. arguments.Select(a => new HttpParameterBinding(a.Name, a.Wire, a.Location, a.Style, a.Explode))],
            BodyContentType = bodyContentType,
            Gateway = _settings.Gateway,
            Audience = _settings.Audience,
            BodyXml = bodyXml,
            ResponseXml = responseXml,
            Credentials = security.Credentials,
        };

        var composed = DescriptionText.Compose(operation.Summary, operation.Description)
            ?? DescriptionText.Compose(entry.PathItem.Summary, entry.PathItem.Description);
        var description = DescriptionText.Cut(composed ?? $"Calls {entry.Method} {http.PathTemplate}.", _settings.MaxDescriptionLength);
        var title = DescriptionText.SingleLine(operation.Summary) is { } summary ? DescriptionText.Cut(summary, _settings.MaxDescriptionLength) : null;

        var tool = new ToolDefinition
        {
            Name = toolName.Name,
            Title = title,
            Description = description,
            Version = "1.0.0",
            RiskLevel = RiskLevelOf(entry),
            InputSchema = inputSchema,
            OutputSchema = outputSchema,
            Http = http,
            Executor = _settings.ExecutorKind,
            // Examples of XML, text or binary bodies are documents, not JSON arguments: only JSON ones are carried over.
            Examples = BuildExamples(arguments, wholeBody,
                BodyKindOf(bodyContentType) is BodyKind.Json or BodyKind.Form or BodyKind.Multipart ? bodyMedia : null,
                responseMedia),
            Source = "openapi:" + _sourceName,
            Domain = DomainOf(entry),
            // An operation that takes an Idempotency-Key header is safe to retry whatever its method (the executor sends one key per call).
            Idempotent = entry.Method is "GET" or "HEAD" or "PUT" or "DELETE" or "OPTIONS" or "TRACE" or "QUERY" || takesIdempotencyKey,
            RequiredScopes = security.RequiredScopes,
            ContentHash = string.Empty,
        };
        tool = tool with { ContentHash = ToolDefinitionHasher.Compute(tool, compiledJson: true) };

        Lint(entry, tool, toolName, composed, arguments, inputSize, outputSize, inputScope.DepthCapped || (outputScope?.DepthCapped ?? false));
        if (security.Unsatisfiable is { } unsatisfiable)
        {
            _lint.Add(new LintFinding(tool.Name, CompileCodes.LintSecurityUnsatisfiable,
                $"{entry.Key} requires credentials the gateway cannot send ({unsatisfiable}); configure the API manager to supply them, or the backend refuses the call."));
        }

        return tool;
    }

    private static List<IOpenApiParameter> MergeParameters(OperationEntry entry)
    {
        var merged = new List<IOpenApiParameter>();
        var positions = new Dictionary<(OpenApiLocation?, string), int>();
        foreach (var declared in (entry.PathItem.Parameters ?? []).Concat(entry.Operation.Parameters ?? []))
        {
            // Every property read through a reference resolves it again; read its target instead (unless the reference
            // carries its own description, or cannot be resolved, which AddParameter reports).
            var parameter = declared is OpenApiParameterReference { Reference.Description: null, Target: { } target } ? target : declared;
            if (parameter is null)
            {
                continue;
            }

            var name = parameter.Name;
            if (name is null)
            {
                merged.Add(parameter);
                continue;
            }

            // Header names are case-insensitive.
            var key = (parameter.In, parameter.In == OpenApiLocation.Header ? name.ToUpperInvariant() : name);
            if (positions.TryGetValue(key, out var index))
            {
                merged[index] = parameter;
            }
            else
            {
                positions.Add(key, merged.Count);
                merged.Add(parameter);
            }
        }

        // Stable: path, query, header, cookie, then anything else, each in declaration order.
        return [.. merged.Select((p, i) => (p, i)).OrderBy(x => LocationRank(x.p.In)).ThenBy(x => x.i).Select(x => x.p)];

        static int LocationRank(OpenApiLocation? location) => location switch
        {
            OpenApiLocation.Path => 0,
            OpenApiLocation.Query => 1,
            OpenApiLocation.Header => 2,
            OpenApiLocation.Cookie => 3,
            _ => 4,
        };
    }

    /// <returns><see langword="false"/> when the operation must be skipped (the diagnostic is already reported).</returns>
    private bool AddParameter(OperationEntry entry, IOpenApiParameter parameter, List<Argument> arguments, HashSet<string> taken, List<string> renamed)
    {
        if (parameter is OpenApiParameterReference { UnresolvedReference: true } reference)
        {
            Report(entry, CompileSeverity.Warning, CompileCodes.ReferenceUnresolved,
                $"The parameter reference '{reference.Reference?.ReferenceV3}' cannot be resolved; the parameter is left out.");
            return true;
        }

        var name = parameter.Name;
        if (string.IsNullOrEmpty(name) || parameter.In is not { } location)
        {
            Report(entry, CompileSeverity.Warning, CompileCodes.ParameterIgnored, "A parameter without a name or location is left out.");
            return true;
        }

        ToolLocation toolLocation;
        switch (location)
        {
            case OpenApiLocation.Path:
                toolLocation = ToolLocation.Path;
                break;
            case OpenApiLocation.Query:
                toolLocation = ToolLocation.Query;
                break;
            case OpenApiLocation.Header:
                if (name.Equals("Accept", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    Report(entry, CompileSeverity.Info, CompileCodes.ParameterIgnored,
                        $"The header parameter '{name}' is ignored, as the OpenAPI specification requires; the gateway sets it.");
                    return true;
                }

                if (name.Equals(IdempotencyKeyHeader, StringComparison.OrdinalIgnoreCase))
                {
                    // The executor sends its own key on every state-changing call, the same on each retry; a model-chosen
                    // value would defeat that, and the executor refuses the header from an argument anyway.
                    Report(entry, CompileSeverity.Info, CompileCodes.ParameterIgnored,
                        $"The header parameter '{name}' is not a tool argument: the executor sends one key per tool call, the same on every retry, and the tool is marked idempotent.");
                    return true;
                }

                toolLocation = ToolLocation.Header;
                break;
            case OpenApiLocation.Cookie:
                toolLocation = ToolLocation.Cookie;
                break;
            default:
                if (parameter.Required)
                {
                    Skip(entry, CompileSeverity.Warning, CompileCodes.ParameterIgnored,
                        $"The required parameter '{name}' is in '{location}', which tools cannot send.");
                    return false;
                }

                Report(entry, CompileSeverity.Info, CompileCodes.ParameterIgnored,
                    $"The optional parameter '{name}' is in '{location}', which tools cannot send; it is left out.");
                return true;
        }

        var candidate = ToolNaming.ToArgumentName(name);
        if (taken.Contains(candidate))
        {
            candidate = ToolNaming.ToArgumentName(LocationWord(toolLocation) + "_" + candidate);
        }

        var argumentName = ToolNaming.Reserve(taken, candidate, LocationWord(toolLocation) + ":" + name);
        if (argumentName != name)
        {
            renamed.Add($"{LocationWord(toolLocation)} '{name}' → '{argumentName}'");
        }

        var schema = parameter.Schema ?? parameter.Content?.Values.FirstOrDefault(m => m?.Schema is not null)?.Schema;
        var example = parameter.Example ?? parameter.Examples?.Values.FirstOrDefault(e => e?.Value is not null)?.Value;
        var parameterDescription = string.IsNullOrWhiteSpace(parameter.Description) ? null : parameter.Description;
        var style = parameter.Style;
        var defaultStyle = toolLocation is ToolLocation.Query or ToolLocation.Cookie ? ParameterStyle.Form : ParameterStyle.Simple;
        var effectiveStyle = style ?? defaultStyle;
        var explode = parameter.Explode;

        arguments.Add(new Argument
        {
            Name = argumentName,
            Wire = name,
            Location = toolLocation,
            Schema = schema,
            Overrides = parameterDescription is null && !parameter.Deprecated && example is null && SchemaEmitter.ClassificationOf(parameter.Extensions) is null
                && SchemaEmitter.McpHeaderOf(parameter.Extensions) is null
                ? null
                : new SchemaOverrides
                {
                    Description = parameterDescription,
                    Deprecated = parameter.Deprecated,
                    Examples = example is null ? null : [example],
                    Classification = SchemaEmitter.ClassificationOf(parameter.Extensions),
                    McpHeader = SchemaEmitter.McpHeaderOf(parameter.Extensions),
                },
            Required = parameter.Required || toolLocation == ToolLocation.Path,
            Style = style is { } s && s != defaultStyle ? StyleName(s) : null,
            Explode = explode != (effectiveStyle == ParameterStyle.Form) ? explode : null,
            Documented = parameterDescription is not null || !string.IsNullOrWhiteSpace(SafeDescription(schema)),
            Example = example,
        });
        return true;
    }

    private void AddMissingPathParameters(OperationEntry entry, List<Argument> arguments, HashSet<string> taken)
    {
        var template = PathTemplate(entry.Path);
        var declared = arguments.Where(a => a.Location == ToolLocation.Path).Select(a => a.Wire).ToHashSet(StringComparer.Ordinal);
        var added = new List<Argument>();
        var start = template.IndexOf('{', StringComparison.Ordinal);
        while (start >= 0)
        {
            var end = template.IndexOf('}', start + 1);
            if (end < 0)
            {
                break;
            }

            var variable = template[(start + 1)..end];
            if (variable.Length > 0 && declared.Add(variable))
            {
                var name = ToolNaming.Reserve(taken, ToolNaming.ToArgumentName(variable), "path:" + variable);
                added.Add(new Argument
                {
                    Name = name,
                    Wire = variable,
                    Location = ToolLocation.Path,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    Required = true,
                });
            }

            start = template.IndexOf('{', end + 1);
        }

        if (added.Count > 0)
        {
            Report(entry, CompileSeverity.Info, CompileCodes.PathParameterAdded,
                "Path template variables without a parameter declaration became required string arguments: "
                + string.Join(", ", added.Select(a => $"'{{{a.Wire}}}' → '{a.Name}'")) + ".");

            // After the declared path parameters, which come first.
            arguments.InsertRange(arguments.Count(a => a.Location == ToolLocation.Path), added);
        }
    }

    /// <summary>Adds the request body as top-level arguments (object bodies) or as one <c>body</c> argument.</summary>
    /// <returns>The whole-body argument, or <see langword="null"/> when the body's properties were merged.</returns>
    /// <remarks>
    /// A body property whose name is already taken by a parameter becomes <c>body_&lt;name&gt;</c>; its binding keeps the
    /// wire name. Read-only properties are left out of request arguments.
    /// </remarks>
    private Argument? AddBody(IOpenApiRequestBody body, IOpenApiSchema? schema, List<Argument> arguments, HashSet<string> taken, List<string> renamed)
    {
        var properties = new List<KeyValuePair<string, IOpenApiSchema>>();
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema is not null && TryCollectObject(schema, properties, new HashSet<string>(StringComparer.Ordinal), required, 0) && properties.Count > 0)
        {
            foreach (var (wire, propertySchema) in properties)
            {
                if (SafeReadOnly(propertySchema))
                {
                    continue;
                }

                var candidate = ToolNaming.ToArgumentName(wire);
                if (taken.Contains(candidate))
                {
                    candidate = ToolNaming.ToArgumentName("body_" + candidate);
                }

                var name = ToolNaming.Reserve(taken, candidate, "body:" + wire);
                if (name != wire)
                {
                    renamed.Add($"body '{wire}' → '{name}'");
                }

                arguments.Add(new Argument
                {
                    Name = name,
                    Wire = wire,
                    Location = ToolLocation.Body,
                    Schema = propertySchema,
                    Required = required.Contains(wire),
                    Documented = !string.IsNullOrWhiteSpace(SafeDescription(propertySchema)),
                });
            }

            return null;
        }

        var bodyName = ToolNaming.Reserve(taken, taken.Contains("body") ? "request_body" : "body", "body");
        var bodyDescription = string.IsNullOrWhiteSpace(body.Description) ? null : body.Description;
        var argument = new Argument
        {
            Name = bodyName,
            Wire = bodyName,
            Location = ToolLocation.WholeBody,
            Schema = schema,
            Overrides = bodyDescription is null ? null : new SchemaOverrides { Description = bodyDescription },
            Required = body.Required,
            Documented = bodyDescription is not null || !string.IsNullOrWhiteSpace(SafeDescription(schema)),
        };
        arguments.Add(argument);
        return argument;
    }

    /// <summary>Adds the request body as one <c>body</c> argument of <paramref name="schema"/> (text and binary bodies).</summary>
    private Argument AddWholeBody(IOpenApiRequestBody body, IOpenApiSchema schema, string? fallbackDescription, List<Argument> arguments, HashSet<string> taken)
    {
        var bodyName = ToolNaming.Reserve(taken, taken.Contains("body") ? "request_body" : "body", "body");
        var description = string.IsNullOrWhiteSpace(body.Description) ? fallbackDescription : body.Description;
        var argument = new Argument
        {
            Name = bodyName,
            Wire = bodyName,
            Location = ToolLocation.WholeBody,
            Schema = schema,
            Overrides = description is null ? null : new SchemaOverrides { Description = description },
            Required = body.Required,
            Documented = !string.IsNullOrWhiteSpace(body.Description) || !string.IsNullOrWhiteSpace(SafeDescription(schema)),
        };
        arguments.Add(argument);
        return argument;
    }

    /// <summary>The schema of a <c>text/plain</c> body: the document's when it is a string schema, else a plain string.</summary>
    private IOpenApiSchema TextSchema(IOpenApiSchema? schema)
        => _emitter.Resolve(schema) is { Type: JsonSchemaType.String } ? schema! : new OpenApiSchema { Type = JsonSchemaType.String };

    /// <summary>The root element's name of an XML body whose schema names none.</summary>
    internal const string XmlFallbackRoot = "root";

    private static BodyKind BodyKindOf(string? contentType) => contentType switch
    {
        null => BodyKind.None,
        "application/x-www-form-urlencoded" => BodyKind.Form,
        "multipart/form-data" => BodyKind.Multipart,
        "text/plain" => BodyKind.Text,
        "application/octet-stream" => BodyKind.Binary,
        _ when IsXml(contentType) => BodyKind.Xml,
        _ => BodyKind.Json,
    };

    private static bool IsXml(string type)
        => type is "application/xml" or "text/xml" || type.EndsWith("+xml", StringComparison.Ordinal);

    /// <summary>Collects the properties of an object schema, flattening <c>allOf</c>; fails when the merge would be ambiguous.</summary>
    private bool TryCollectObject(IOpenApiSchema schema, List<KeyValuePair<string, IOpenApiSchema>> properties, HashSet<string> names, HashSet<string> required, int depth)
    {
        if (depth > 8 || _emitter.Resolve(schema) is not { } resolved)
        {
            return false;
        }

        if (resolved.OneOf is { Count: > 0 } || resolved.AnyOf is { Count: > 0 } || resolved.Not is not null
            || resolved.AdditionalProperties is not null || resolved.PatternProperties is { Count: > 0 })
        {
            return false;
        }

        var own = resolved.Properties;
        var allOf = resolved.AllOf;
        if (resolved.Type is { } type ? type != JsonSchemaType.Object : own is not { Count: > 0 } && allOf is not { Count: > 0 })
        {
            return false;
        }

        if (allOf is not null)
        {
            foreach (var member in allOf)
            {
                if (member is null || !TryCollectObject(member, properties, names, required, depth + 1))
                {
                    return false;
                }
            }
        }

        if (own is not null)
        {
            foreach (var (name, property) in own)
            {
                if (!names.Add(name))
                {
                    return false;
                }

                properties.Add(new(name, property));
            }
        }

        if (resolved.Required is { } requiredNames)
        {
            required.UnionWith(requiredNames);
        }

        return true;
    }

    private (byte[]? Schema, IOpenApiMediaType? Media, EmitScope? Scope, XmlMapping? Xml) CompileOutput(OperationEntry entry, EmitMode mode)
    {
        if (entry.Operation.Responses is not { Count: > 0 } responses || SelectResponse(responses) is not { } response)
        {
            return (null, null, null, null);
        }

        if (response.Content is not { Count: > 0 } content || SelectMedia(content, request: false) is not { } selected)
        {
            return (null, null, null, null);
        }

        var schema = selected.Media.Schema;
        var resolved = _emitter.Resolve(schema);
        var isObject = resolved is not null
            && (resolved.Type == JsonSchemaType.Object || (resolved.Type is null && resolved.Properties is { Count: > 0 }));

        // An XML answer becomes structured content only when its schema says how: an object, or an array of items.
        XmlMapping? xml = null;
        if (IsXml(selected.ContentType) && (isObject || resolved is { Type: JsonSchemaType.Array, Items: not null }))
        {
            xml = new XmlMappingBuilder(_emitter).Build(schema, XmlFallbackRoot, out _);
        }

        // An XML answer's examples are documents, not JSON: they are not carried into the tool's examples.
        var media = IsXml(selected.ContentType) ? null : selected.Media;
        if (!isObject)
        {
            return (null, media, null, xml);
        }

        try
        {
            var (bytes, scope) = _emitter.Emit(MaxSchemaBytes, mode, (writer, scope) =>
            {
                writer.WriteStartObject();
                writer.WriteString("type", "object");
                _emitter.WriteMembers(writer, schema!, 0, scope, skipType: true);
                _emitter.WriteDefinitions(writer, scope);
                writer.WriteEndObject();
            });
            return (bytes, media, scope, xml);
        }
        catch (SchemaTooLargeException)
        {
            if (mode == EmitMode.Normal)
            {
                Report(entry, CompileSeverity.Info, CompileCodes.OutputSchemaDropped,
                    $"The output schema is larger than {MaxSchemaBytes} bytes; the tool declares none.");
            }

            return (null, media, null, xml);
        }
    }

    /// <summary>
    /// Brings a tool whose input and output schemas together are larger than <see cref="CompilerSettings.MaxToolSchemaBytes"/>
    /// within it: every referenced schema shared under <c>$defs</c>, then descriptions shortened, then no output schema
    /// (the tool still returns <c>structuredContent</c>). A <c>schema-budget</c> lint finding names the steps with the sizes.
    /// </summary>
    private (byte[] Input, EmitScope InputScope, byte[]? Output, EmitScope? OutputScope) FitBudget(
        OperationEntry entry, string name, List<Argument> arguments, byte[] input, EmitScope inputScope, byte[]? output, EmitScope? outputScope)
    {
        var budget = _settings.MaxToolSchemaBytes;
        var before = input.Length + (output?.Length ?? 0);
        var steps = new List<string>();
        foreach (var (mode, step) in (ReadOnlySpan<(EmitMode, string)>)[(EmitMode.Shared, "every referenced schema shared under $defs"), (EmitMode.Compact, "descriptions shortened")])
        {
            if (input.Length + (output?.Length ?? 0) <= budget)
            {
                break;
            }

            (input, inputScope) = WriteInputSchema(arguments, mode);
            if (output is not null)
            {
                (output, _, outputScope, _) = CompileOutput(entry, mode);
            }

            steps.Add($"{step} → {Bytes(input.Length + (output?.Length ?? 0))} bytes");
        }

        if (output is not null && input.Length + output.Length > budget)
        {
            output = null;
            outputScope = null;
            steps.Add($"output schema dropped (the tool still returns structuredContent) → {Bytes(input.Length)} bytes");
        }

        var over = input.Length > budget ? "; the input schema alone is still over the budget" : string.Empty;
        _lint.Add(new LintFinding(name, CompileCodes.LintSchemaBudget,
            $"The input and output schemas were {Bytes(before)} bytes, over the budget of {Bytes(budget)} (MaxToolSchemaBytes): " + string.Join("; ", steps) + over + "."));
        return (input, inputScope, output, outputScope);

        static string Bytes(int count) => count.ToString("N0", CultureInfo.InvariantCulture);
    }

    private static IOpenApiResponse? SelectResponse(OpenApiResponses responses)
    {
        string? best = null;
        var bestRank = int.MaxValue;
        var hasSuccess = false;
        foreach (var key in responses.Keys)
        {
            var rank = key switch
            {
                "200" => 0,
                "201" => 1,
                _ when key.Length == 3 && key[0] == '2' && char.IsAsciiDigit(key[1]) && char.IsAsciiDigit(key[2]) => 100 + int.Parse(key, CultureInfo.InvariantCulture),
                _ when key.Equals("2XX", StringComparison.OrdinalIgnoreCase) => 1000,
                _ => int.MaxValue,
            };
            hasSuccess |= key.StartsWith('2');
            if (rank < bestRank)
            {
                (best, bestRank) = (key, rank);
            }
        }

        if (best is null && !hasSuccess && responses.ContainsKey("default"))
        {
            best = "default";
        }

        return best is not null && responses.TryGetValue(best, out var response) && response is not OpenApiResponseReference { UnresolvedReference: true }
            ? response
            : null;
    }

    private static (string Key, IOpenApiMediaType Media, string ContentType)? SelectMedia(IDictionary<string, IOpenApiMediaType> content, bool request)
    {
        (string Key, IOpenApiMediaType Media, string ContentType)? best = null;
        var bestRank = int.MaxValue;
        foreach (var (key, media) in content)
        {
            if (media is null)
            {
                continue;
            }

            var type = key.Split(';', 2)[0].Trim().ToLowerInvariant();
            var rank = type switch
            {
                "application/json" => 0,
                "application/merge-patch+json" => request ? 1 : 2,
                _ when type.EndsWith("+json", StringComparison.Ordinal) || type.EndsWith("/json", StringComparison.Ordinal) => 2,
                "*/*" or "application/*" => 3,
                "application/x-www-form-urlencoded" when request => 4,
                "multipart/form-data" when request => 5,
                _ when IsXml(type) => 6,
                "text/plain" when request => 7,
                "application/octet-stream" when request => 8,
                _ => int.MaxValue,
            };
            if (rank < bestRank)
            {
                bestRank = rank;
                best = (key, media, rank == 3 ? "application/json" : type);
            }
        }

        return best;
    }

    private IReadOnlyList<ToolExample> BuildExamples(
        List<Argument> arguments,
        Argument? wholeBody,
        IOpenApiMediaType? bodyMedia,
        IOpenApiMediaType? responseMedia)
    {
        var output = FirstExample(responseMedia);
        JsonElement? outputElement = output is null ? null : ToElement(w => SchemaEmitter.WriteValue(w, output));
        var inputs = new List<JsonElement>();

        var bodyExamples = new List<JsonNode>();
        if (bodyMedia is not null)
        {
            if (bodyMedia.Example is { } single)
            {
                bodyExamples.Add(single);
            }
            else if (bodyMedia.Examples is { } named)
            {
                bodyExamples.AddRange(named.Values.Select(e => e?.Value).OfType<JsonNode>().Take(MaxExamples));
            }
        }

        var parameters = arguments.Where(a => a.Location is not (ToolLocation.Body or ToolLocation.WholeBody)).ToList();
        var parametersComplete = parameters.All(a => !a.Required || a.Example is not null);
        if (bodyExamples.Count > 0 && parametersComplete)
        {
            var bodyArguments = arguments.Where(a => a.Location == ToolLocation.Body).ToDictionary(a => a.Wire, StringComparer.Ordinal);
            foreach (var example in bodyExamples)
            {
                if (wholeBody is null && example is not JsonObject)
                {
                    continue;
                }

                inputs.Add(ToElement(writer =>
                {
                    writer.WriteStartObject();
                    WriteParameterExamples(writer, parameters);
                    if (wholeBody is not null)
                    {
                        writer.WritePropertyName(wholeBody.Name);
                        SchemaEmitter.WriteValue(writer, example);
                    }
                    else
                    {
                        foreach (var (wire, value) in (JsonObject)example)
                        {
                            if (bodyArguments.TryGetValue(wire, out var argument))
                            {
                                writer.WritePropertyName(argument.Name);
                                SchemaEmitter.WriteValue(writer, value);
                            }
                        }
                    }

                    writer.WriteEndObject();
                }));
            }
        }
        else if (parametersComplete && parameters.Any(a => a.Example is not null)
            && !arguments.Any(a => a.Required && a.Location is ToolLocation.Body or ToolLocation.WholeBody))
        {
            inputs.Add(ToElement(writer =>
            {
                writer.WriteStartObject();
                WriteParameterExamples(writer, parameters);
                writer.WriteEndObject();
            }));
        }
        else if (output is not null && !arguments.Any(a => a.Required))
        {
            inputs.Add(ToElement(static writer =>
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }));
        }

        return [.. inputs.Take(MaxExamples).Select(input => new ToolExample(input, outputElement))];

        static void WriteParameterExamples(Utf8JsonWriter writer, List<Argument> parameters)
        {
            foreach (var parameter in parameters)
            {
                if (parameter.Example is { } value)
                {
                    writer.WritePropertyName(parameter.Name);
                    SchemaEmitter.WriteValue(writer, value);
                }
            }
        }
    }

    private static JsonNode? FirstExample(IOpenApiMediaType? media) =>
        media is null ? null : media.Example ?? media.Examples?.Values.Select(e => e?.Value).FirstOrDefault(v => v is not null);

    private RiskLevel RiskLevelOf(OperationEntry entry)
    {
        // A selection rule's level replaces the method's default; with x-mcp-risk-level the stricter of the two wins.
        RiskLevel? selected = _selectedRisk is not null && _selectedRisk.TryGetValue(entry, out var ruled) ? ruled : null;
        var fallback = selected ?? (entry.Method is "GET" or "HEAD" or "OPTIONS" ? RiskLevel.Read : RiskLevel.Write);
        if (entry.Operation.Extensions is not { } extensions || !extensions.TryGetValue(RiskLevelExtension, out var extension))
        {
            return fallback;
        }

        var text = extension is JsonNodeExtension { Node: JsonValue value } && value.TryGetValue<string>(out var s) ? s : null;
        if (RiskLevels.TryParse(text, out var level))
        {
            return selected is { } floor && floor > level ? floor : level;
        }

        var shown = extension is JsonNodeExtension { Node: { } node } ? node.ToJsonString() : "(unreadable)";
        Report(entry, CompileSeverity.Warning, CompileCodes.RiskLevelInvalid,
            $"{RiskLevelExtension} is {shown}; expected read, write or privileged. The method's default, {fallback.ToWire()}, is used.");
        return fallback;
    }

    private static string? DomainOf(OperationEntry entry)
    {
        if (entry.Operation.Tags is { Count: > 0 } tags)
        {
            foreach (var tag in tags)
            {
                var name = tag?.Name ?? tag?.Reference?.Id;
                if (!string.IsNullOrWhiteSpace(name))
                {
                    return name.Trim().ToLowerInvariant();
                }
            }
        }

        foreach (var segment in PathTemplate(entry.Path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment.StartsWith('{') || IsVersionSegment(segment) || segment.Equals("api", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            return segment.ToLowerInvariant();
        }

        return null;

        static bool IsVersionSegment(string segment) =>
            segment.Length >= 2 && (segment[0] is 'v' or 'V') && char.IsAsciiDigit(segment[1]) && segment.All(char.IsAsciiLetterOrDigit);
    }

    private void Lint(OperationEntry entry, ToolDefinition tool, ToolName toolName, string? composed, List<Argument> arguments, int inputSize, int outputSize, bool depthCapped)
    {
        var name = tool.Name;
        if (composed is null)
        {
            _lint.Add(new LintFinding(name, CompileCodes.LintDescriptionMissing, $"{entry.Key} has no summary or description; the tool describes itself only by its method and path."));
        }
        else if (composed.Length < ShortDescriptionLength)
        {
            _lint.Add(new LintFinding(name, CompileCodes.LintDescriptionShort, $"The description \"{composed}\" is shorter than {ShortDescriptionLength} characters."));
        }

        var undocumented = arguments.Where(a => !a.Documented).Select(a => a.Name).ToList();
        if (undocumented.Count > 0)
        {
            _lint.Add(new LintFinding(name, CompileCodes.LintParametersUndocumented, "Arguments without a description: " + string.Join(", ", undocumented) + "."));
        }

        if (toolName.Reasons.Count > 0)
        {
            _lint.Add(new LintFinding(name, CompileCodes.LintNameChanged, $"The name of {entry.Key} is '{name}': " + string.Join("; ", toolName.Reasons) + "."));
        }

        if (inputSize > LargeInputSchemaBytes)
        {
            _lint.Add(new LintFinding(name, CompileCodes.LintInputSchemaLarge, $"The input schema is {inputSize} bytes (more than {LargeInputSchemaBytes})."));
        }

        if (outputSize > LargeOutputSchemaBytes)
        {
            _lint.Add(new LintFinding(name, CompileCodes.LintOutputSchemaLarge, $"The output schema is {outputSize} bytes (more than {LargeOutputSchemaBytes})."));
        }

        if (depthCapped)
        {
            _lint.Add(new LintFinding(name, CompileCodes.LintSchemaDepthCapped, $"Schemas nested deeper than {_settings.MaxSchemaDepth} levels were replaced by {{}}."));
        }

        if (entry.Operation.Deprecated)
        {
            _lint.Add(new LintFinding(name, CompileCodes.LintOperationDeprecated, $"{entry.Key} is marked deprecated."));
        }
    }

    private void ReportUnresolved(OperationEntry entry, EmitScope input, EmitScope? output)
    {
        var reasons = input.Unresolved.Concat(output?.Unresolved ?? [])
            .Select(n => n.UnresolvedReason)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (reasons.Count > 0)
        {
            Report(entry, CompileSeverity.Warning, CompileCodes.ReferenceUnresolved,
                string.Join("; ", reasons) + ". The schema there is {} (anything).");
        }
    }

    /// <summary>Writes the tool's input schema: one property per argument, the required ones, no others.</summary>
    private (byte[] Bytes, EmitScope Scope) WriteInputSchema(List<Argument> arguments, EmitMode mode)
    {
        return _emitter.Emit(MaxSchemaBytes, mode, (writer, inputScope) =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", "object");
            writer.WriteStartObject("properties");
            foreach (var argument in arguments)
            {
                writer.WritePropertyName(argument.Name);
                _emitter.WriteSchema(writer, argument.Schema, 1, inputScope, argument.Overrides);
            }

            writer.WriteEndObject();
            if (arguments.Any(a => a.Required))
            {
                writer.WriteStartArray("required");
                foreach (var argument in arguments.Where(a => a.Required))
                {
                    writer.WriteStringValue(argument.Name);
                }

                writer.WriteEndArray();
            }

            writer.WriteBoolean("additionalProperties", false);
            _emitter.WriteDefinitions(writer, inputScope);
            writer.WriteEndObject();
        });
    }

    private void Report(OperationEntry entry, CompileSeverity severity, string code, string message) =>
        _diagnostics.Add(new CompileDiagnostic(entry.Key, severity, code, message));

    private ToolDefinition? Skip(OperationEntry entry, CompileSeverity severity, string code, string message)
    {
        _diagnostics.Add(new CompileDiagnostic(entry.Key, severity, code, message, Skipped: true));
        _skipped++;
        return null;
    }

    private static string PathTemplate(string path)
    {
        var hash = path.IndexOf('#', StringComparison.Ordinal);
        return hash >= 0 ? path[..hash] : path;
    }

    private static string LocationWord(ToolLocation location) => location switch
    {
        ToolLocation.Path => "path",
        ToolLocation.Query => "query",
        ToolLocation.Header => "header",
        ToolLocation.Cookie => "cookie",
        _ => "body",
    };

    private static string StyleName(ParameterStyle style) => style switch
    {
        ParameterStyle.Matrix => "matrix",
        ParameterStyle.Label => "label",
        ParameterStyle.Form => "form",
        ParameterStyle.Simple => "simple",
        ParameterStyle.SpaceDelimited => "spaceDelimited",
        ParameterStyle.PipeDelimited => "pipeDelimited",
        ParameterStyle.DeepObject => "deepObject",
        _ => style.ToString().ToLowerInvariant(),
    };

    /// <summary>Reads a description without touching a reference's own properties, which the library resolves (and may throw on cycles).</summary>
    private string? SafeDescription(IOpenApiSchema? schema) => schema switch
    {
        null => null,
        OpenApiSchemaReference reference => reference.Reference?.Description ?? _emitter.Resolve(schema)?.Description,
        _ => schema.Description,
    };

    private bool SafeReadOnly(IOpenApiSchema schema) =>
        (schema is OpenApiSchemaReference { Reference.ReadOnly: true }) || (_emitter.Resolve(schema)?.ReadOnly ?? false);

    /// <summary>Writes JSON into the compiler's reusable buffer; the span is valid until the next call.</summary>
    private ReadOnlySpan<byte> WriteJson(Action<Utf8JsonWriter> write)
    {
        _buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_buffer, SchemaEmitter.JsonWriterOptions))
        {
            write(writer);
        }

        return _buffer.WrittenSpan;
    }

    private JsonElement ToElement(Action<Utf8JsonWriter> write) => Shared(WriteJson(write));

    /// <summary>
    /// Parses compiled JSON (a schema, an example), or returns the element parsed before from the same bytes: the tools of
    /// one document often share an output schema or an example, and a <see cref="JsonElement"/> is immutable, so one copy
    /// (its UTF-8 bytes and the parser's index) serves all of them.
    /// </summary>
    private JsonElement Shared(ReadOnlySpan<byte> json)
    {
        var lookup = _elements.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!lookup.TryGetValue(json, out var element))
        {
            lookup.Add(json);
            lookup.TryGetValue(json, out element);
        }

        return element;
    }

    /// <summary>Compares parsed JSON by its UTF-8 bytes, and parses bytes not seen before (<see cref="Shared"/>).</summary>
    private sealed class RawJsonComparer : IEqualityComparer<JsonElement>, IAlternateEqualityComparer<ReadOnlySpan<byte>, JsonElement>
    {
        public static readonly RawJsonComparer Instance = new();

        public bool Equals(JsonElement x, JsonElement y) => JsonMarshal.GetRawUtf8Value(x).SequenceEqual(JsonMarshal.GetRawUtf8Value(y));

        public int GetHashCode(JsonElement obj) => Hash(JsonMarshal.GetRawUtf8Value(obj));

        public bool Equals(ReadOnlySpan<byte> alternate, JsonElement other) => alternate.SequenceEqual(JsonMarshal.GetRawUtf8Value(other));

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public JsonElement Create(ReadOnlySpan<byte> alternate) => JsonElement.Parse(alternate, ParseOptions);

        private static int Hash(ReadOnlySpan<byte> json)
        {
            var hash = default(HashCode);
            hash.AddBytes(json);
            return hash.ToHashCode();
        }
    }

    /// <summary>How a request body is encoded, by its media type.</summary>
    private enum BodyKind
    {
        None,
        Json,
        Form,
        Multipart,
        Xml,
        Text,
        Binary,
    }

    /// <summary>One operation of the document.</summary>
    private sealed record OperationEntry(string Path, string Method, OpenApiOperation Operation, IOpenApiPathItem PathItem)
    {
        public string Key { get; } = Method + " " + Path;
    }

    /// <summary>A tool name and why it differs from the plain snake_case operation id, if it does.</summary>
    private sealed record ToolName(string Name, IReadOnlyList<string> Reasons);

    /// <summary>One tool argument and its HTTP binding.</summary>
    private sealed class Argument
    {
        public required string Name { get; init; }

        public required string Wire { get; init; }

        public required ToolLocation Location { get; init; }

        public IOpenApiSchema? Schema { get; init; }

        public SchemaOverrides? Overrides { get; init; }

        public bool Required { get; init; }

        public string? Style { get; init; }

        public bool? Explode { get; init; }

        public bool Documented { get; init; }

        public JsonNode? Example { get; init; }
    }
}

/// <summary>A validated snapshot of <see cref="OpenApiCompilerOptions"/>.</summary>
internal sealed record CompilerSettings(
    int MaxDescriptionLength,
    int MaxToolSchemaBytes,
    long MaxDocumentBytes,
    int MaxSchemaDepth,
    string ExecutorKind,
    string? Gateway,
    string? Audience,
    IList<string> AllowedExternalHosts,
    OperationSelector? Selector = null);
