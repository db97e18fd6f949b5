using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Msil.Mcp.Generators;

/// <summary>
/// Classifies C# types into <see cref="TypeModel"/>s and writes their JSON Schema (2020-12); named object types go
/// into <c>$defs</c> and are referenced with <c>$ref</c>, which also handles recursive types.
/// </summary>
internal sealed class SchemaWriter(Dictionary<string, TypeModel> types, bool forInput)
{
    private static readonly SymbolDisplayFormat FullName = SymbolDisplayFormat.FullyQualifiedFormat;

    private readonly Dictionary<string, string> _defNames = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _defs = [];
    private readonly Dictionary<string, string> _defBodies = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);

    public static bool IsCollection(ITypeSymbol type, out ITypeSymbol? element)
    {
        element = null;
        if (type is IArrayTypeSymbol { Rank: 1 } array)
        {
            element = array.ElementType;
            return true;
        }

        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
            && named.OriginalDefinition.ToDisplayString() is "System.Collections.Generic.List<T>" or "System.Collections.Generic.IList<T>"
                or "System.Collections.Generic.ICollection<T>" or "System.Collections.Generic.IEnumerable<T>"
                or "System.Collections.Generic.IReadOnlyList<T>" or "System.Collections.Generic.IReadOnlyCollection<T>")
        {
            element = named.TypeArguments[0];
            return true;
        }

        return false;
    }

    public static string JsonName(IPropertySymbol property)
    {
        foreach (var attribute in property.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == "System.Text.Json.Serialization.JsonPropertyNameAttribute"
                && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string name)
            {
                return name;
            }
        }

        var n = property.Name;
        return n.Length > 0 && char.IsUpper(n[0]) ? char.ToLowerInvariant(n[0]) + n.Substring(1) : n;
    }

    /// <summary>Registers <paramref name="type"/> (and what it contains); returns why it is unsupported, or <see langword="null"/>.</summary>
    public string? Classify(ITypeSymbol type, out string? key)
    {
        key = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullName);
        if (types.TryGetValue(key, out var known))
        {
            return forInput && known.Kind == ValueKind.Object && !known.CanRead ? CannotRead(type) : null;
        }

        if (_inProgress.Contains(key))
        {
            return null;
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            var error = Classify(nullable.TypeArguments[0], out var inner);
            if (error is not null)
            {
                return error;
            }

            types[key] = Simple(key, ValueKind.Nullable) with { ElementKey = inner };
            return null;
        }

        var kind = Primitive(type);
        if (kind is not null)
        {
            types[key] = Simple(key, kind.Value);
            return null;
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            var members = type.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue && f.IsStatic).Select(f => f.Name);
            types[key] = Simple(key, ValueKind.Enum) with { EnumMembers = new EquatableArray<string>(members) };
            return null;
        }

        if (IsCollection(type, out var element))
        {
            var error = Classify(element!, out var elementKey);
            if (error is not null)
            {
                return error;
            }

            types[key] = Simple(key, ValueKind.Array) with
            {
                ElementKey = elementKey,
                ElementNullable = ToolParser.IsNullable(element!),
                Collection = type is IArrayTypeSymbol ? CollectionKind.Array : CollectionKind.List,
            };
            return null;
        }

        return ClassifyObject(type, key);
    }

    public string Schema(ITypeSymbol type, bool nullable, List<string> extras, string? description, string? defaultJson, out string? key, out string? error)
    {
        error = Classify(type, out key);
        if (error is not null)
        {
            return string.Empty;
        }

        var model = types[key!];
        if (model.Kind == ValueKind.Nullable)
        {
            type = ((INamedTypeSymbol)type).TypeArguments[0];
            model = types[model.ElementKey!];
            nullable = true;
        }

        var parts = new List<string>();
        if (model.Kind == ValueKind.Object)
        {
            var reference = "{\"$ref\":" + JsonText.Quote(RefFor(type, model)) + "}";
            if (nullable)
            {
                parts.Add("\"anyOf\":[" + reference + ",{\"type\":\"null\"}]");
            }
            else
            {
                parts.Add(reference.Substring(1, reference.Length - 2));
            }
        }
        else
        {
            var (jsonType, format) = JsonType(model.Kind);
            parts.Add("\"type\":" + (nullable ? "[" + JsonText.Quote(jsonType) + ",\"null\"]" : JsonText.Quote(jsonType)));
            if (format is not null && !extras.Any(e => e.StartsWith("\"format\"", StringComparison.Ordinal)))
            {
                parts.Add("\"format\":" + JsonText.Quote(format));
            }

            if (model.Kind == ValueKind.Enum)
            {
                var names = model.EnumMembers.Select(JsonText.Quote).ToList();
                if (nullable)
                {
                    names.Add("null");
                }

                parts.Add("\"enum\":[" + string.Join(",", names) + "]");
            }
            else if (model.Kind == ValueKind.Array)
            {
                IsCollection(type, out var element);
                var items = Schema(element!, model.ElementNullable, [], null, null, out _, out _);
                parts.Add("\"items\":" + items);
            }

            parts.AddRange(extras);
        }

        if (description is not null)
        {
            parts.Add("\"description\":" + JsonText.Quote(description));
        }

        if (defaultJson is not null)
        {
            parts.Add("\"default\":" + defaultJson);
        }

        return "{" + string.Join(",", parts) + "}";
    }

    /// <summary>The object schema of <paramref name="type"/>: its properties, which are required, and (for input) no others.</summary>
    public string ObjectBody(ITypeSymbol type, TypeModel model, bool root)
    {
        var sb = new StringBuilder("{\"type\":\"object\"");
        var typeDescription = ToolParser.DescriptionAttribute(type.GetAttributes()) ?? Docs.Summary(Docs.For(type));
        if (typeDescription is not null && !root)
        {
            sb.Append(",\"description\":").Append(JsonText.Quote(typeDescription));
        }

        sb.Append(",\"properties\":{");
        var required = new List<string>();
        var first = true;
        foreach (var property in PublicProperties(type))
        {
            var propertyModel = model.Properties.FirstOrDefault(p => p.Name == property.Name);
            if (propertyModel is null || (forInput && propertyModel.Set == SetKind.None))
            {
                continue;
            }

            var extras = ToolParser.Constraints(property.GetAttributes(), property.Type, out _);
            var description = ToolParser.DescriptionAttribute(property.GetAttributes()) ?? Docs.Summary(Docs.For(property));
            var schema = Schema(property.Type, propertyModel.Nullable, extras, description, forInput ? propertyModel.DefaultJson : null, out _, out _);
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            sb.Append(JsonText.Quote(propertyModel.JsonName)).Append(':').Append(schema);
            if (forInput ? propertyModel.Required : true)
            {
                required.Add(propertyModel.JsonName);
            }
        }

        sb.Append('}');
        if (required.Count > 0)
        {
            sb.Append(",\"required\":[").Append(string.Join(",", required.Select(JsonText.Quote))).Append(']');
        }

        if (forInput)
        {
            sb.Append(",\"additionalProperties\":false");
        }

        return sb.Append('}').ToString();
    }

    public void AppendDefs(StringBuilder sb)
    {
        if (_defs.Count == 0)
        {
            return;
        }

        sb.Append(",\"$defs\":{");
        var first = true;
        foreach (var def in _defs)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            sb.Append(JsonText.Quote(def.Key)).Append(':').Append(_defBodies[def.Key]);
        }

        sb.Append('}');
    }

    internal static IEnumerable<IPropertySymbol> PublicProperties(ITypeSymbol type)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object && current.SpecialType != SpecialType.System_ValueType; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IPropertySymbol { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public, GetMethod.DeclaredAccessibility: Accessibility.Public } property
                    && !property.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Text.Json.Serialization.JsonIgnoreAttribute")
                    && seen.Add(property.Name))
                {
                    yield return property;
                }
            }
        }
    }

    private static TypeModel Simple(string key, ValueKind kind)
        => new(key, kind, null, false, CollectionKind.Array, EquatableArray<string>.Empty, EquatableArray<PropertyModel>.Empty, EquatableArray<string>.Empty, true);

    private static string CannotRead(ITypeSymbol type)
        => $"'{type.Name}' has no public constructor that is parameterless or whose parameters all match its properties";

    private static ValueKind? Primitive(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_String:
                return ValueKind.String;
            case SpecialType.System_Boolean:
                return ValueKind.Boolean;
            case SpecialType.System_Int32:
                return ValueKind.Int32;
            case SpecialType.System_Int64:
                return ValueKind.Int64;
            case SpecialType.System_Int16:
                return ValueKind.Int16;
            case SpecialType.System_Byte:
                return ValueKind.Byte;
            case SpecialType.System_Double:
                return ValueKind.Double;
            case SpecialType.System_Single:
                return ValueKind.Single;
            case SpecialType.System_Decimal:
                return ValueKind.Decimal;
            case SpecialType.System_DateTime:
                return ValueKind.DateTime;
        }

        return type.ToDisplayString() switch
        {
            "System.Guid" => ValueKind.Guid,
            "System.DateTimeOffset" => ValueKind.DateTimeOffset,
            "System.DateOnly" => ValueKind.DateOnly,
            "System.Uri" => ValueKind.Uri,
            _ => null,
        };
    }

    /// <summary>Returns the JSON Schema <c>type</c> of a classified type (the inner type of a nullable one).</summary>
    public string JsonTypeOf(string key)
    {
        var model = types[key];
        if (model.Kind == ValueKind.Nullable)
        {
            model = types[model.ElementKey!];
        }

        return model.Kind == ValueKind.Object ? "object" : JsonType(model.Kind).Type;
    }

    private static (string Type, string? Format) JsonType(ValueKind kind) => kind switch
    {
        ValueKind.Boolean => ("boolean", null),
        ValueKind.Int32 or ValueKind.Int64 or ValueKind.Int16 or ValueKind.Byte => ("integer", null),
        ValueKind.Double or ValueKind.Single or ValueKind.Decimal => ("number", null),
        ValueKind.Guid => ("string", "uuid"),
        ValueKind.DateTimeOffset or ValueKind.DateTime => ("string", "date-time"),
        ValueKind.DateOnly => ("string", "date"),
        ValueKind.Uri => ("string", "uri"),
        ValueKind.Array => ("array", null),
        _ => ("string", null),
    };

    private string RefFor(ITypeSymbol type, TypeModel model)
    {
        if (!_defNames.TryGetValue(model.Key, out var name))
        {
            name = type.Name;
            var i = 2;
            while (_defBodies.ContainsKey(name))
            {
                name = type.Name + i++;
            }

            _defNames[model.Key] = name;
            _defBodies[name] = "{}";
            _defs.Add(new KeyValuePair<string, string>(name, string.Empty));
            _defBodies[name] = ObjectBody(type, model, root: false);
        }

        return "#/$defs/" + name;
    }

    private string? ClassifyObject(ITypeSymbol type, string key)
    {
        if (type is not INamedTypeSymbol named || (type.TypeKind != TypeKind.Class && type.TypeKind != TypeKind.Struct))
        {
            return type.TypeKind == TypeKind.Interface ? "interfaces other than the collection interfaces are services, not arguments" : "only primitives, enums, Guid, DateTimeOffset, DateTime, DateOnly, Uri, records, classes, structs, arrays and lists are supported";
        }

        var ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        if (type.SpecialType == SpecialType.System_Object || ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal) || ns.StartsWith("Microsoft.", StringComparison.Ordinal))
        {
            return named.Name.Contains("Dictionary")
                ? "dictionaries are not supported; use a list of records"
                : $"the framework type '{type.ToDisplayString()}' is not supported; use primitives, records or classes of your own";
        }

        if (type.IsAbstract || type.IsStatic || named.IsGenericType)
        {
            return $"'{type.Name}' is abstract, static or generic";
        }

        _inProgress.Add(key);
        try
        {
            var properties = PublicProperties(type).ToList();
            var byName = properties.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
            IMethodSymbol? constructor = null;
            var canRead = false;
            foreach (var candidate in named.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).OrderByDescending(c => c.Parameters.Length))
            {
                if (candidate.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(candidate.Parameters[0].Type, type))
                {
                    continue; // a copy constructor
                }

                if (candidate.Parameters.All(p => byName.TryGetValue(p.Name, out var property) && SymbolEqualityComparer.Default.Equals(property.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), p.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated))))
                {
                    constructor = candidate;
                    canRead = true;
                    break;
                }
            }

            var models = new List<PropertyModel>();
            foreach (var property in properties)
            {
                var error = Classify(property.Type, out var propertyKey);
                if (error is not null)
                {
                    return $"property '{property.Name}' of '{type.Name}': {error}";
                }

                var parameter = constructor?.Parameters.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
                var set = parameter is not null ? SetKind.Constructor
                    : property.SetMethod is { DeclaredAccessibility: Accessibility.Public, IsInitOnly: true } ? SetKind.Init
                    : property.SetMethod is { DeclaredAccessibility: Accessibility.Public } ? SetKind.Set
                    : SetKind.None;
                var nullable = ToolParser.IsNullable(property.Type);
                ToolParser.Constraints(property.GetAttributes(), property.Type, out var annotatedRequired);
                string? defaultLiteral = null, defaultJson = null;
                if (parameter is { HasExplicitDefaultValue: true })
                {
                    (defaultLiteral, defaultJson) = ToolParser.DefaultValueOf(parameter.Type, parameter.ExplicitDefaultValue);
                }

                var required = annotatedRequired || property.IsRequired
                    || (set == SetKind.Constructor && !nullable && parameter is { HasExplicitDefaultValue: false })
                    || (set == SetKind.Init && !nullable);
                models.Add(new PropertyModel(property.Name, JsonName(property), propertyKey!, nullable, required, set, defaultLiteral, defaultJson));
            }

            var constructorProperties = constructor?.Parameters.Select(p => byName[p.Name].Name) ?? [];
            types[key] = Simple(key, ValueKind.Object) with
            {
                Properties = new EquatableArray<PropertyModel>(models),
                ConstructorProperties = new EquatableArray<string>(constructorProperties),
                CanRead = canRead,
            };
        }
        finally
        {
            _inProgress.Remove(key);
        }

        return forInput && !types[key].CanRead ? CannotRead(type) : null;
    }
}
