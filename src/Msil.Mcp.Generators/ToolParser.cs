using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Msil.Mcp.CustomHeaders;

namespace Msil.Mcp.Generators;

/// <summary>Turns one <c>[MsilTool]</c> method into an equatable <see cref="ToolModel"/> (or diagnostics).</summary>
internal static class ToolParser
{
    public const string ToolAttribute = "Msil.Mcp.Abstractions.Tools.MsilToolAttribute";
    public const string ToolClassAttribute = "Msil.Mcp.Abstractions.Tools.MsilToolClassAttribute";
    public const string HeaderAttribute = "Msil.Mcp.Abstractions.Tools.MsilHeaderAttribute";
    public const string SdkHeaderAttribute = "ModelContextProtocol.Server.McpHeaderAttribute";

    private static readonly SymbolDisplayFormat FullName = SymbolDisplayFormat.FullyQualifiedFormat;

    private static readonly SymbolDisplayFormat FullNameNullable = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static ToolParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (context.TargetSymbol is not IMethodSymbol method || method.ContainingType is not { } type)
        {
            return new ToolParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        var methodLocation = LocationInfo.From(method.Locations.FirstOrDefault());
        var ok = true;

        // The class.
        if (type.ContainingType is not null || type.IsGenericType || type.TypeKind != TypeKind.Class)
        {
            diagnostics.Add(Diag(DiagnosticDescriptors.UnsupportedClass, type.Locations.FirstOrDefault(), type.Name,
                type.TypeKind != TypeKind.Class ? "tools must be declared in a class" : type.IsGenericType ? "it is generic" : "it is nested in another type; declare it at namespace level"));
            ok = false;
        }
        else if (!type.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is ClassDeclarationSyntax c && c.Modifiers.Any(SyntaxKind.PartialKeyword)))
        {
            diagnostics.Add(Diag(DiagnosticDescriptors.ClassNotPartial, type.Locations.FirstOrDefault(), type.Name));
            ok = false;
        }

        // The attribute.
        var attribute = context.Attributes[0];
        var risk = attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is int r ? r : 0;
        string? name = null, title = null, version = null;
        var idempotent = false;
        var taskSupport = 0;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Name":
                    name = named.Value.Value as string;
                    break;
                case "Title":
                    title = named.Value.Value as string;
                    break;
                case "Version":
                    version = named.Value.Value as string;
                    break;
                case "Idempotent":
                    idempotent = named.Value.Value is true;
                    break;
                case "TaskSupport":
                    taskSupport = named.Value.Value is int support ? support : 0;
                    break;
            }
        }

        string? domain = null, source = null;
        foreach (var classAttribute in type.GetAttributes())
        {
            if (classAttribute.AttributeClass?.ToDisplayString() == ToolClassAttribute)
            {
                foreach (var named in classAttribute.NamedArguments)
                {
                    if (named.Key == "Domain")
                    {
                        domain = named.Value.Value as string;
                    }
                    else if (named.Key == "Source")
                    {
                        source = named.Value.Value as string;
                    }
                }
            }
        }

        var toolName = name ?? SnakeCase(method.Name);
        if (toolName.Length > 64)
        {
            diagnostics.Add(Diag(DiagnosticDescriptors.ToolNameTooLong, method.Locations.FirstOrDefault(), toolName, toolName.Length.ToString(CultureInfo.InvariantCulture)));
            ok = false;
        }
        else if (!IsValidName(toolName))
        {
            diagnostics.Add(Diag(DiagnosticDescriptors.InvalidToolName, method.Locations.FirstOrDefault(), toolName));
            ok = false;
        }

        if (method.IsGenericMethod)
        {
            diagnostics.Add(Diag(DiagnosticDescriptors.GenericMethod, method.Locations.FirstOrDefault(), method.Name));
            ok = false;
        }

        if (method.IsAsync && method.ReturnsVoid)
        {
            diagnostics.Add(Diag(DiagnosticDescriptors.AsyncVoid, method.Locations.FirstOrDefault(), method.Name));
            ok = false;
        }

        // Descriptions.
        var doc = Docs.For(method);
        var description = DescriptionAttribute(method.GetAttributes()) ?? Docs.Summary(doc);
        if (description is null)
        {
            diagnostics.Add(Diag(DiagnosticDescriptors.MissingDescription, method.Locations.FirstOrDefault(), method.Name));
            description = title ?? toolName;
        }

        // Parameters and the input schema.
        var types = new Dictionary<string, TypeModel>(StringComparer.Ordinal);
        var input = new SchemaWriter(types, forInput: true);
        var parameters = new List<ParameterModel>();
        var properties = new StringBuilder();
        var required = new List<string>();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in method.Parameters)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (parameter.RefKind != RefKind.None)
            {
                diagnostics.Add(Diag(DiagnosticDescriptors.ByRefParameter, parameter.Locations.FirstOrDefault(), parameter.Name, method.Name));
                ok = false;
                continue;
            }

            var kind = InjectedKind(parameter);
            var typeName = parameter.Type.ToDisplayString(FullNameNullable);
            var header = HeaderOf(parameter, out var headerLocation);
            if (kind != ParameterKind.Argument)
            {
                if (header is not null)
                {
                    diagnostics.Add(Diag(DiagnosticDescriptors.InvalidHeader, headerLocation, parameter.Name, method.Name,
                        "it is not a tool argument (it is injected), so it has no value to mirror; remove the header attribute"));
                    ok = false;
                }

                parameters.Add(new ParameterModel(parameter.Name, kind, typeName, null, false, false, null));
                continue;
            }

            var nullable = IsNullable(parameter.Type);
            var constraints = Constraints(parameter.GetAttributes(), parameter.Type, out var annotatedRequired);
            var paramDescription = DescriptionAttribute(parameter.GetAttributes()) ?? Docs.Param(doc, parameter.Name);
            string? defaultLiteral = null;
            string? defaultJson = null;
            if (parameter.HasExplicitDefaultValue)
            {
                (defaultLiteral, defaultJson) = DefaultValueOf(parameter.Type, parameter.ExplicitDefaultValue);
            }

            var schema = input.Schema(parameter.Type, nullable, constraints, paramDescription, defaultJson, out var key, out var error);
            if (error is not null)
            {
                diagnostics.Add(Diag(DiagnosticDescriptors.UnsupportedParameterType, parameter.Locations.FirstOrDefault(), parameter.Name, method.Name, parameter.Type.ToDisplayString(), error));
                ok = false;
                continue;
            }

            if (header is not null)
            {
                var problem = McpHeaderNames.NameProblem(header);
                if (problem is null && !McpHeaderNames.IsHeaderType(input.JsonTypeOf(key!)))
                {
                    problem = $"its schema type is '{input.JsonTypeOf(key!)}', but only string, integer and boolean arguments may be mirrored (SEP-2243)";
                }

                if (problem is null && headers.TryGetValue(header, out var other))
                {
                    problem = $"the header name '{header}' is already used by parameter '{other}' (header names are compared ignoring case)";
                }

                if (problem is not null)
                {
                    diagnostics.Add(Diag(DiagnosticDescriptors.InvalidHeader, headerLocation, parameter.Name, method.Name, problem));
                    ok = false;
                    continue;
                }

                headers[header] = parameter.Name;
                schema = schema.Substring(0, schema.Length - 1) + ",\"" + McpHeaderNames.Keyword + "\":" + JsonText.Quote(header) + "}";
            }

            var isRequired = annotatedRequired || (!nullable && !parameter.HasExplicitDefaultValue);
            if (isRequired)
            {
                required.Add(parameter.Name);
            }

            if (properties.Length > 0)
            {
                properties.Append(',');
            }

            properties.Append(JsonText.Quote(parameter.Name)).Append(':').Append(schema);
            parameters.Add(new ParameterModel(parameter.Name, ParameterKind.Argument, typeName, key, nullable, isRequired, defaultLiteral));
        }

        var inputSchema = new StringBuilder("{\"type\":\"object\",\"properties\":{").Append(properties).Append('}');
        if (required.Count > 0)
        {
            inputSchema.Append(",\"required\":[").Append(string.Join(",", required.Select(JsonText.Quote))).Append(']');
        }

        inputSchema.Append(",\"additionalProperties\":false");
        input.AppendDefs(inputSchema);
        inputSchema.Append('}');

        // The result and the output schema.
        var returnType = method.ReturnType;
        var awaitKind = AwaitKind.None;
        var hasResult = !method.ReturnsVoid;
        if (returnType is INamedTypeSymbol task && task.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
        {
            if (task.Name is "Task" or "ValueTask")
            {
                awaitKind = task.Name == "Task" ? AwaitKind.Task : AwaitKind.ValueTask;
                hasResult = task.TypeArguments.Length == 1;
                returnType = hasResult ? task.TypeArguments[0] : returnType;
            }
        }

        var result = ResultKind.None;
        string? resultKey = null;
        string? outputSchema = null;
        var resultNullable = false;
        if (hasResult)
        {
            resultNullable = IsNullable(returnType);
            if (returnType.SpecialType == SpecialType.System_String)
            {
                result = ResultKind.Text;
            }
            else if (returnType.ToDisplayString() is "Msil.Mcp.Abstractions.ToolResult" or "Msil.Mcp.Abstractions.ToolResult?")
            {
                result = ResultKind.ToolResult;
            }
            else
            {
                var output = new SchemaWriter(types, forInput: false);
                var error = output.Classify(returnType, out resultKey);
                if (error is null && resultKey is not null)
                {
                    var model = types[resultKey];
                    var sb = new StringBuilder();
                    if (model.Kind == ValueKind.Object)
                    {
                        result = ResultKind.Structured;
                        sb.Append(output.ObjectBody(returnType, model, root: true));
                    }
                    else
                    {
                        result = ResultKind.Wrapped;
                        sb.Append("{\"type\":\"object\",\"properties\":{\"result\":")
                          .Append(output.Schema(returnType, resultNullable, [], null, null, out _, out _))
                          .Append("},\"required\":[\"result\"]}");
                    }

                    sb.Length--;
                    output.AppendDefs(sb);
                    sb.Append('}');
                    outputSchema = sb.ToString();
                }
                else
                {
                    diagnostics.Add(Diag(DiagnosticDescriptors.UnsupportedReturnType, method.Locations.FirstOrDefault(), method.Name, method.ReturnType.ToDisplayString(), error ?? "unsupported"));
                    ok = false;
                }
            }
        }

        if (!ok)
        {
            return new ToolParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : string.Empty;
        var versionText = version ?? "1.0.0";
        var hash = Hash(toolName, title, description, versionText, risk, idempotent, taskSupport, domain, inputSchema.ToString(), outputSchema, ns + "." + type.Name + "." + method.Name);
        var tool = new ToolModel(
            ns,
            type.Name,
            type.DeclaredAccessibility == Accessibility.Public,
            type.IsStatic,
            domain,
            source,
            method.Name,
            method.IsStatic,
            toolName,
            title,
            description,
            risk,
            idempotent,
            taskSupport,
            versionText,
            awaitKind,
            hasResult,
            result,
            resultKey,
            resultNullable,
            new EquatableArray<ParameterModel>(parameters),
            inputSchema.ToString(),
            outputSchema,
            new EquatableArray<TypeModel>(types.Values.OrderBy(t => t.Key, StringComparer.Ordinal)),
            hash,
            methodLocation);
        return new ToolParseResult(tool, new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    public static bool IsValidName(string name)
    {
        if (name.Length is 0 or > 64)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>GetOrderAsync</c> → <c>get_order</c>, <c>GetHTTPStatus</c> → <c>get_http_status</c>.</summary>
    public static string SnakeCase(string name)
    {
        if (name.EndsWith("Async", StringComparison.Ordinal) && name.Length > 5)
        {
            name = name.Substring(0, name.Length - 5);
        }

        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var acronymEnds = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (previousIsLowerOrDigit || acronymEnds)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    internal static bool IsNullable(ITypeSymbol type)
        => type.NullableAnnotation == NullableAnnotation.Annotated
            || (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T });

    internal static string? DescriptionAttribute(IEnumerable<AttributeData> attributes)
    {
        foreach (var attribute in attributes)
        {
            if (attribute.AttributeClass?.ToDisplayString() == "System.ComponentModel.DescriptionAttribute"
                && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string text
                && !string.IsNullOrWhiteSpace(text))
            {
                return Docs.Collapse(text);
            }
        }

        return null;
    }

    /// <summary>DataAnnotations → JSON Schema keywords (each a <c>"name":value</c> fragment).</summary>
    internal static List<string> Constraints(IEnumerable<AttributeData> attributes, ITypeSymbol type, out bool required)
    {
        required = false;
        var list = new List<string>();
        var isArray = SchemaWriter.IsCollection(type, out _);
        foreach (var attribute in attributes)
        {
            var args = attribute.ConstructorArguments;
            switch (attribute.AttributeClass?.ToDisplayString())
            {
                case "System.ComponentModel.DataAnnotations.RequiredAttribute":
                    required = true;
                    break;
                case "System.ComponentModel.DataAnnotations.RangeAttribute" when args.Length == 2 && args[0].Value is not null && args[1].Value is not null:
                    var exclusiveMin = attribute.NamedArguments.Any(a => a.Key == "MinimumIsExclusive" && a.Value.Value is true);
                    var exclusiveMax = attribute.NamedArguments.Any(a => a.Key == "MaximumIsExclusive" && a.Value.Value is true);
                    list.Add((exclusiveMin ? "\"exclusiveMinimum\":" : "\"minimum\":") + JsonText.Number(args[0].Value));
                    list.Add((exclusiveMax ? "\"exclusiveMaximum\":" : "\"maximum\":") + JsonText.Number(args[1].Value));
                    break;
                case "System.ComponentModel.DataAnnotations.StringLengthAttribute" when args.Length == 1:
                    var minimumLength = attribute.NamedArguments.FirstOrDefault(a => a.Key == "MinimumLength").Value.Value;
                    if (minimumLength is int min && min > 0)
                    {
                        list.Add("\"minLength\":" + JsonText.Number(min));
                    }

                    list.Add("\"maxLength\":" + JsonText.Number(args[0].Value));
                    break;
                case "System.ComponentModel.DataAnnotations.RegularExpressionAttribute" when args.Length == 1 && args[0].Value is string pattern:
                    list.Add("\"pattern\":" + JsonText.Quote(pattern));
                    break;
                case "System.ComponentModel.DataAnnotations.MinLengthAttribute" when args.Length == 1:
                    list.Add((isArray ? "\"minItems\":" : "\"minLength\":") + JsonText.Number(args[0].Value));
                    break;
                case "System.ComponentModel.DataAnnotations.MaxLengthAttribute" when args.Length == 1:
                    list.Add((isArray ? "\"maxItems\":" : "\"maxLength\":") + JsonText.Number(args[0].Value));
                    break;
                case "System.ComponentModel.DataAnnotations.EmailAddressAttribute":
                    list.Add("\"format\":\"email\"");
                    break;
                case "System.ComponentModel.DataAnnotations.UrlAttribute":
                    list.Add("\"format\":\"uri\"");
                    break;
            }
        }

        return list;
    }

    private static ParameterKind InjectedKind(IParameterSymbol parameter)
    {
        var type = parameter.Type;
        switch (type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None)))
        {
            case "System.Threading.CancellationToken":
                return ParameterKind.CancellationToken;
            case "Msil.Mcp.Abstractions.CallerIdentity":
                return ParameterKind.Caller;
            case "Msil.Mcp.Abstractions.ToolInvocation":
                return ParameterKind.Invocation;
            case "System.IServiceProvider":
                return ParameterKind.ServiceProvider;
        }

        if (parameter.GetAttributes().Any(a => a.AttributeClass?.Name is "FromServicesAttribute" or "FromKeyedServicesAttribute"))
        {
            return ParameterKind.Service;
        }

        return type.TypeKind == TypeKind.Interface && !SchemaWriter.IsCollection(type, out _) ? ParameterKind.Service : ParameterKind.Argument;
    }

    internal static (string Literal, string Json) DefaultValueOf(ITypeSymbol type, object? value)
    {
        var underlying = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n ? n.TypeArguments[0] : type;
        if (value is null)
        {
            return ("default", "null");
        }

        if (underlying.TypeKind == TypeKind.Enum)
        {
            var member = underlying.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, value));
            var literal = "(" + underlying.ToDisplayString(FullName) + ")(" + JsonText.Number(value) + ")";
            return (literal, member is null ? JsonText.Number(value) : JsonText.Quote(member.Name));
        }

        return value switch
        {
            string s => (JsonText.CSharp(s), JsonText.Quote(s)),
            bool b => (b ? "true" : "false", b ? "true" : "false"),
            float f => (JsonText.Number(f) + "F", JsonText.Number(f)),
            double d => (JsonText.Number(d) + "D", JsonText.Number(d)),
            decimal m => (JsonText.Number(m) + "M", JsonText.Number(m)),
            long l => (JsonText.Number(l) + "L", JsonText.Number(l)),
            _ => ("(" + underlying.ToDisplayString(FullName) + ")(" + JsonText.Number(value) + ")", JsonText.Number(value)),
        };
    }

    private static string Hash(string name, string? title, string description, string version, int risk, bool idempotent, int taskSupport, string? domain, string input, string? output, string target)
    {
        // Task support joins the hashed text only when set, so the hash of a tool without it is what it always was.
        var flags = (idempotent ? "1" : "0") + (taskSupport == 0 ? string.Empty : ";task=" + taskSupport.ToString(CultureInfo.InvariantCulture));
        var text = string.Join("\n", name, title ?? string.Empty, description, version, risk.ToString(CultureInfo.InvariantCulture), flags, domain ?? string.Empty, input, output ?? string.Empty, target);
        using var sha = SHA256.Create();
        var bytes = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
        var sb = new StringBuilder(64);
        foreach (var b in bytes)
        {
            sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>Returns the header name of <c>[MsilHeader]</c> or the SDK's <c>[McpHeader]</c> on <paramref name="parameter"/>, if any.</summary>
    private static string? HeaderOf(IParameterSymbol parameter, out Location? location)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() is HeaderAttribute or SdkHeaderAttribute)
            {
                location = attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? parameter.Locations.FirstOrDefault();
                return attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? string.Empty : string.Empty;
            }
        }

        location = null;
        return null;
    }

    private static DiagnosticInfo Diag(DiagnosticDescriptor descriptor, Location? location, params string[] args)
        => new(descriptor.Id, LocationInfo.From(location), new EquatableArray<string>(args));
}
