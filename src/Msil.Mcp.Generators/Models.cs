using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Msil.Mcp.Generators;

/// <summary>Where a diagnostic points, without holding on to a syntax tree.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location)
        => location is null || location.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}

/// <summary>A diagnostic to report, in equatable form.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic() => Diagnostic.Create(DiagnosticDescriptors.ById(Id), Location?.ToLocation(), System.Linq.Enumerable.ToArray<object?>(Arguments));
}

internal enum ValueKind
{
    String,
    Boolean,
    Int32,
    Int64,
    Int16,
    Byte,
    Double,
    Single,
    Decimal,
    Guid,
    DateTimeOffset,
    DateTime,
    DateOnly,
    Uri,
    Enum,
    Object,
    Array,
    Nullable,
}

internal enum CollectionKind
{
    Array,
    List,
}

internal enum SetKind
{
    None,
    Set,
    Init,
    Constructor,
}

/// <summary>A property of an object type: how it is named on the wire and how it is read and written.</summary>
internal sealed record PropertyModel(
    string Name,
    string JsonName,
    string TypeKey,
    bool Nullable,
    bool Required,
    SetKind Set,
    string? DefaultLiteral,
    string? DefaultJson);

/// <summary>A type that arguments or results use; <see cref="Key"/> is its fully qualified name.</summary>
internal sealed record TypeModel(
    string Key,
    ValueKind Kind,
    string? ElementKey,
    bool ElementNullable,
    CollectionKind Collection,
    EquatableArray<string> EnumMembers,
    EquatableArray<PropertyModel> Properties,
    EquatableArray<string> ConstructorProperties,
    bool CanRead);

internal enum ParameterKind
{
    Argument,
    CancellationToken,
    Caller,
    Invocation,
    ServiceProvider,
    Service,
}

internal sealed record ParameterModel(
    string Name,
    ParameterKind Kind,
    string TypeName,
    string? TypeKey,
    bool Nullable,
    bool Required,
    string? DefaultLiteral);

internal enum AwaitKind
{
    None,
    Task,
    ValueTask,
}

internal enum ResultKind
{
    None,
    Text,
    Structured,
    Wrapped,
    ToolResult,
}

/// <summary>Everything the emitter needs about one tool method.</summary>
internal sealed record ToolModel(
    string Namespace,
    string ClassName,
    bool ClassIsPublic,
    bool ClassIsStatic,
    string? Domain,
    string? Source,
    string MethodName,
    bool IsStatic,
    string ToolName,
    string? Title,
    string Description,
    int Risk,
    bool Idempotent,
    int TaskSupport,
    string Version,
    AwaitKind Await,
    bool AwaitHasResult,
    ResultKind Result,
    string? ResultTypeKey,
    bool ResultNullable,
    EquatableArray<ParameterModel> Parameters,
    string InputSchema,
    string? OutputSchema,
    EquatableArray<TypeModel> Types,
    string ContentHash,
    LocationInfo? Location);

/// <summary>What the transform produced for one attributed method: a tool, diagnostics, or both.</summary>
internal sealed record ToolParseResult(ToolModel? Tool, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>The tools of one class, the unit the emitter writes one file for.</summary>
internal sealed record ClassModel(string Namespace, string ClassName, bool IsPublic, bool IsStatic, string? Domain, string? Source, EquatableArray<ToolModel> Tools)
{
    public string FullName => Namespace.Length == 0 ? ClassName : Namespace + "." + ClassName;
}
