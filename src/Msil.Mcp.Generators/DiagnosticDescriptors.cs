using Microsoft.CodeAnalysis;

namespace Msil.Mcp.Generators;

/// <summary>The generator's diagnostics; docs/diagnostics.md lists each with a bad and a fixed example.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Msil.Mcp.Generators";

    public static readonly DiagnosticDescriptor ClassNotPartial = new(
        "MSILGEN001", "Tool class must be partial", "Class '{0}' has [MsilTool] methods and must be declared partial so the generator can add the tools' executor to it", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnsupportedParameterType = new(
        "MSILGEN002", "Unsupported parameter type", "Parameter '{0}' of tool method '{1}' has type '{2}', which cannot be a tool argument: {3}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnsupportedReturnType = new(
        "MSILGEN003", "Unsupported return type", "Tool method '{0}' returns '{1}', which cannot be a tool result: {2}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor DuplicateToolName = new(
        "MSILGEN004", "Duplicate tool name", "Tool name '{0}' of method '{1}' is already used by '{2}'; tool names must be unique", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor InvalidToolName = new(
        "MSILGEN005", "Invalid tool name", "Tool name '{0}' must match ^[A-Za-z0-9_-]{{1,64}}$ (letters, digits, '_' and '-')", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor ToolNameTooLong = new(
        "MSILGEN006", "Tool name too long", "Tool name '{0}' has {1} characters; at most 64 are allowed", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor AsyncVoid = new(
        "MSILGEN007", "Tool method is async void", "Tool method '{0}' is async void; return Task or ValueTask so the call can be awaited and its failure reported", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor MissingDescription = new(
        "MSILGEN008", "Tool has no description", "Tool method '{0}' has no description; add a <summary> doc comment or [Description] so the model knows when to call it", Category, DiagnosticSeverity.Warning, true);

    public static readonly DiagnosticDescriptor UnsupportedClass = new(
        "MSILGEN009", "Unsupported tool class", "Class '{0}' cannot hold tools: {1}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor GenericMethod = new(
        "MSILGEN010", "Tool method is generic", "Tool method '{0}' is generic; a tool's arguments need concrete types", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor ByRefParameter = new(
        "MSILGEN011", "Tool parameter is passed by reference", "Parameter '{0}' of tool method '{1}' is ref, out or in; tool arguments are passed by value", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor InvalidHeader = new(
        "MSILGEN012", "Invalid header declaration", "Parameter '{0}' of tool method '{1}' cannot be mirrored into an HTTP header: {2}", Category, DiagnosticSeverity.Error, true);

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "MSILGEN001" => ClassNotPartial,
        "MSILGEN002" => UnsupportedParameterType,
        "MSILGEN003" => UnsupportedReturnType,
        "MSILGEN004" => DuplicateToolName,
        "MSILGEN005" => InvalidToolName,
        "MSILGEN006" => ToolNameTooLong,
        "MSILGEN007" => AsyncVoid,
        "MSILGEN008" => MissingDescription,
        "MSILGEN009" => UnsupportedClass,
        "MSILGEN010" => GenericMethod,
        "MSILGEN012" => InvalidHeader,
        _ => ByRefParameter,
    };
}
