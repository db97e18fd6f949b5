using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Msil.Mcp.Validation;

/// <summary>
/// Turns a schema document into <see cref="SchemaNode"/>s. Every subschema becomes one node keyed by its canonical
/// JSON pointer, so a <c>$ref</c> to a schema that is still being compiled (a recursive schema) simply gets the same
/// node object. Work is queued rather than recursed into, so deep or circular schemas cannot overflow the stack.
/// </summary>
internal sealed class SchemaCompiler
{
    private static readonly TimeSpan s_regexTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The base URI of a document without <c>$id</c>; relative references resolve against it.</summary>
    private const string DefaultBaseUri = "https://schema.invalid/tool-input.json";

    // Keywords whose value is one subschema, an array of subschemas, or an object of subschemas.
    private static readonly string[] s_schemaKeywords =
    [
        "additionalProperties", "additionalItems", "not", "if", "then", "else", "contains", "propertyNames",
        "unevaluatedItems", "unevaluatedProperties", "contentSchema",
    ];

    private static readonly string[] s_schemaArrayKeywords = ["allOf", "anyOf", "oneOf", "prefixItems"];

    private static readonly string[] s_schemaMapKeywords =
        ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

    private static readonly string[] s_countKeywords =
    [
        "maxLength", "minLength", "maxItems", "minItems", "maxContains", "minContains", "maxProperties", "minProperties",
    ];

    private static readonly string[] s_stringKeywords =
        ["$ref", "$dynamicRef", "$anchor", "$dynamicAnchor", "$id", "$schema", "$comment", "pattern", "format"];

    private readonly Dictionary<string, SchemaNode> _nodes = new(StringComparer.Ordinal);
    private readonly Queue<(SchemaNode Node, JsonElement Schema)> _pending = new();
    private readonly Dictionary<string, Regex> _regexes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ResourceInfo> _resources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ResourceInfo> _resourceAt = new(StringComparer.Ordinal);

    // Whether any schema of the document uses unevaluatedProperties/unevaluatedItems (then annotations that change
    // nothing else, such as additionalProperties: true, are kept) or $dynamicRef (then nodes track their resource).
    private bool _annotations;
    private bool _dynamic;

    private SchemaCompiler(JsonElement document) => Scan(document);

    internal static SchemaNode Compile(JsonElement schema)
    {
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            throw new ArgumentException(
                $"Cannot compile the JSON schema: the schema at '#' must be a JSON object or a boolean, but is {schema.ValueKind}.",
                nameof(schema));
        }

        var compiler = new SchemaCompiler(schema);
        SchemaNode root = compiler.NodeAt(schema, string.Empty);
        if (compiler._dynamic)
        {
            foreach (ResourceInfo resource in compiler._resources.Values)
            {
                foreach ((string name, (JsonElement element, string pointer)) in resource.DynamicAnchors)
                {
                    resource.Runtime.DynamicAnchors[name] = compiler.NodeAt(element, pointer);
                }
            }
        }
        while (compiler._pending.TryDequeue(out (SchemaNode Node, JsonElement Schema) work))
        {
            compiler.Fill(work.Node, work.Schema);
        }

        return root;
    }

    private static string Child(string pointer, string token) =>
        string.Concat(pointer, "/", token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));

    private static string Child(string pointer, string keyword, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{pointer}/{keyword}/{index}");

    private static string Show(string pointer) => "#" + pointer;

    private static bool TryGet(JsonElement schema, string keyword, out JsonElement value) =>
        schema.TryGetProperty(keyword, out value);

    private static bool IsTrue(JsonElement schema, string keyword) =>
        schema.TryGetProperty(keyword, out JsonElement value) && value.ValueKind == JsonValueKind.True;

    private static bool IsSchema(JsonElement value) =>
        value.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False;

    /// <summary>Reads a non-negative integer keyword such as <c>minLength</c> (also <c>2.0</c>); anything else is ignored.</summary>
    private static bool TryGetCount(JsonElement schema, string keyword, out int count)
    {
        count = 0;
        if (!schema.TryGetProperty(keyword, out JsonElement value)
            || value.ValueKind != JsonValueKind.Number
            || !JsonText.IsInteger(value))
        {
            return false;
        }

        double number = JsonText.ReadDouble(value);
        if (number < 0)
        {
            return false;
        }

        count = number >= int.MaxValue ? int.MaxValue : (int)number;
        return true;
    }

    private static string Plural(int count, string singular, string plural) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? singular : plural)}");

    private static string BuildTypeMessage(JsonTypes types)
    {
        var parts = new List<string>(7);
        if ((types & JsonTypes.Object) != 0)
        {
            parts.Add("an object");
        }

        if ((types & JsonTypes.Array) != 0)
        {
            parts.Add("an array");
        }

        if ((types & JsonTypes.String) != 0)
        {
            parts.Add("a string");
        }

        if ((types & JsonTypes.Number) != 0)
        {
            parts.Add("a number");
        }
        else if ((types & JsonTypes.Integer) != 0)
        {
            parts.Add("an integer");
        }

        if ((types & JsonTypes.Boolean) != 0)
        {
            parts.Add("a boolean");
        }

        if ((types & JsonTypes.Null) != 0)
        {
            parts.Add("null");
        }

        return parts.Count == 1
            ? "must be " + parts[0]
            : string.Concat("must be ", string.Join(", ", parts.GetRange(0, parts.Count - 1)), " or ", parts[^1]);
    }

    private static JsonTypes ParseType(JsonElement name) => name.ValueKind != JsonValueKind.String
        ? JsonTypes.None
        : name.GetString() switch
        {
            "null" => JsonTypes.Null,
            "boolean" => JsonTypes.Boolean,
            "object" => JsonTypes.Object,
            "array" => JsonTypes.Array,
            "number" => JsonTypes.Number,
            "string" => JsonTypes.String,
            "integer" => JsonTypes.Integer,
            _ => JsonTypes.None,
        };

    private static JsonTypes CompileType(JsonElement schema)
    {
        if (!TryGet(schema, "type", out JsonElement type))
        {
            return JsonTypes.None;
        }

        if (type.ValueKind != JsonValueKind.Array)
        {
            return ParseType(type);
        }

        JsonTypes types = JsonTypes.None;
        foreach (JsonElement name in type.EnumerateArray())
        {
            types |= ParseType(name);
        }

        return types;
    }

    private SchemaNode NodeAt(JsonElement schema, string pointer)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.False:
                return SchemaNode.False;
            case JsonValueKind.Object when schema.GetPropertyCount() > 0:
                if (!_nodes.TryGetValue(pointer, out SchemaNode? node))
                {
                    node = new SchemaNode(pointer);
                    _nodes.Add(pointer, node);
                    _pending.Enqueue((node, schema));
                }

                return node;
            default:
                // true, {} and (leniently) values that are not schemas at all accept everything.
                return SchemaNode.True;
        }
    }

    private SchemaNode[]? NodeList(JsonElement schema, string pointer, string keyword)
    {
        if (!TryGet(schema, keyword, out JsonElement list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            return null;
        }

        var nodes = new SchemaNode[list.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in list.EnumerateArray())
        {
            nodes[i] = NodeAt(item, Child(pointer, keyword, i));
            i++;
        }

        return nodes;
    }

    private SchemaNode? OptionalNode(JsonElement schema, string pointer, string keyword) =>
        TryGet(schema, keyword, out JsonElement value) && IsSchema(value) ? NodeAt(value, Child(pointer, keyword)) : null;

    private void Fill(SchemaNode node, JsonElement schema)
    {
        string at = node.Pointer;
        CheckKeywords(schema, at);
        if (_dynamic)
        {
            node.Resource = ResourceOf(at).Runtime;
        }

        node.Nullable = IsTrue(schema, "nullable") || IsTrue(schema, "x-nullable");
        JsonTypes types = CompileType(schema);
        if (types != JsonTypes.None)
        {
            if (node.Nullable)
            {
                types |= JsonTypes.Null;
            }

            node.Types = types;
            node.TypeMessage = BuildTypeMessage(types);
        }

        if (TryGet(schema, "$ref", out JsonElement reference))
        {
            node.Ref = ResolveRef(reference.GetString()!, at, "$ref").Node;
        }

        if (TryGet(schema, "$dynamicRef", out reference))
        {
            // 2020-12: resolved like $ref, unless the target is a $dynamicAnchor of the same name ("bookended"); then
            // the outermost resource in the dynamic scope that declares that anchor wins.
            (SchemaNode target, ResourceInfo resource, string fragment) = ResolveRef(reference.GetString()!, at, "$dynamicRef");
            node.DynamicRef = target;
            if (fragment.Length > 0 && fragment[0] != '/' && resource.DynamicAnchors.ContainsKey(fragment))
            {
                node.DynamicRefName = fragment;
            }
        }

        if (TryGet(schema, "enum", out JsonElement values) && values.ValueKind == JsonValueKind.Array)
        {
            node.Enum = ValueSetRule.ForEnum(values);
        }

        if (TryGet(schema, "const", out JsonElement constant))
        {
            node.Const = ValueSetRule.ForConst(constant);
        }

        node.ObjectRules = CompileObjectRules(schema, at);
        node.ArrayRules = CompileArrayRules(schema, at);
        node.StringRules = CompileStringRules(schema, at);
        node.NumberRules = CompileNumberRules(schema);

        node.AllOf = NodeList(schema, at, "allOf");
        node.AnyOf = NodeList(schema, at, "anyOf");
        node.OneOf = NodeList(schema, at, "oneOf");
        node.Not = OptionalNode(schema, at, "not");
        SchemaNode? then = OptionalNode(schema, at, "then");
        SchemaNode? otherwise = OptionalNode(schema, at, "else");
        if (then is not null || otherwise is not null || _annotations)
        {
            // Without then/else, if only matters for the annotations unevaluated* reads.
            node.If = OptionalNode(schema, at, "if");
            node.Then = then;
            node.Else = otherwise;
        }

        node.UnevaluatedProperties = OptionalNode(schema, at, "unevaluatedProperties");
        node.UnevaluatedItems = OptionalNode(schema, at, "unevaluatedItems");
        node.HasApplicators = node.AllOf is not null || node.AnyOf is not null || node.OneOf is not null || node.Not is not null
            || node.If is not null || node.DynamicRef is not null || node.UnevaluatedProperties is not null
            || node.UnevaluatedItems is not null;

        node.AlwaysValid = node.Types == JsonTypes.None && node.Ref is null && node.Enum is null && node.Const is null
            && node.ObjectRules is null && node.ArrayRules is null && node.StringRules is null && node.NumberRules is null
            && !node.HasApplicators;
    }

    private ObjectRules? CompileObjectRules(JsonElement schema, string at)
    {
        var names = new List<string>();
        var indexes = new Dictionary<string, int>(StringComparer.Ordinal);
        var schemas = new List<SchemaNode?>();
        bool any = false;

        int IndexOf(string name)
        {
            if (!indexes.TryGetValue(name, out int index))
            {
                index = names.Count;
                indexes.Add(name, index);
                names.Add(name);
                schemas.Add(null);
            }

            return index;
        }

        if (TryGet(schema, "properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object)
        {
            string propertiesAt = Child(at, "properties");
            foreach (JsonProperty property in properties.EnumerateObject())
            {
                schemas[IndexOf(property.Name)] = NodeAt(property.Value, Child(propertiesAt, property.Name));
                any = true;
            }
        }

        var required = new List<int>();
        if (TryGet(schema, "required", out JsonElement requiredNames) && requiredNames.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement name in requiredNames.EnumerateArray())
            {
                if (name.ValueKind == JsonValueKind.String)
                {
                    int index = IndexOf(name.GetString()!);
                    if (!required.Contains(index))
                    {
                        required.Add(index);
                    }
                }
            }
        }

        var patterns = new List<PatternPropertyRule>();
        if (TryGet(schema, "patternProperties", out JsonElement patternProperties) && patternProperties.ValueKind == JsonValueKind.Object)
        {
            string patternsAt = Child(at, "patternProperties");
            foreach (JsonProperty property in patternProperties.EnumerateObject())
            {
                string pointer = Child(patternsAt, property.Name);
                patterns.Add(new PatternPropertyRule(
                    GetRegex(property.Name, "patternProperties", pointer),
                    NodeAt(property.Value, pointer),
                    $"could not be checked against property name pattern {property.Name} in time"));
            }
        }

        SchemaNode? additional = null;
        bool additionalForbidden = false;
        if (TryGet(schema, "additionalProperties", out JsonElement additionalProperties))
        {
            if (additionalProperties.ValueKind == JsonValueKind.False)
            {
                additionalForbidden = true;
            }
            else if (IsSchema(additionalProperties))
            {
                SchemaNode node = NodeAt(additionalProperties, Child(at, "additionalProperties"));
                additional = ReferenceEquals(node, SchemaNode.True) && !_annotations ? null : node;
            }
        }

        List<DependentRequiredRule>? dependentRequired = null;
        List<DependentSchemaRule>? dependentSchemas = null;
        CompileDependencies(schema, at, "dependentRequired", ref dependentRequired, ref dependentSchemas);
        CompileDependencies(schema, at, "dependentSchemas", ref dependentRequired, ref dependentSchemas);
        CompileDependencies(schema, at, "dependencies", ref dependentRequired, ref dependentSchemas);

        SchemaNode? propertyNames = OptionalNode(schema, at, "propertyNames");
        if (ReferenceEquals(propertyNames, SchemaNode.True))
        {
            propertyNames = null;
        }

        bool hasMin = TryGetCount(schema, "minProperties", out int minProperties);
        bool hasMax = TryGetCount(schema, "maxProperties", out int maxProperties);
        if (!any && required.Count == 0 && patterns.Count == 0 && additional is null && !additionalForbidden
            && dependentRequired is null && dependentSchemas is null && propertyNames is null && !hasMin && !hasMax)
        {
            return null;
        }

        var rules = new ObjectRules(
            new PropertyNameTable([.. names]),
            [.. schemas],
            [.. required],
            [.. patterns],
            additional,
            additionalForbidden)
        {
            DependentRequired = dependentRequired?.ToArray(),
            DependentSchemas = dependentSchemas?.ToArray(),
            PropertyNames = propertyNames,
        };

        if (hasMin)
        {
            rules.MinProperties = minProperties;
            rules.MinPropertiesMessage = "must have at least " + Plural(minProperties, "property", "properties");
        }

        if (hasMax)
        {
            rules.MaxProperties = maxProperties;
            rules.MaxPropertiesMessage = "must have at most " + Plural(maxProperties, "property", "properties");
        }

        return rules;
    }

    private void CompileDependencies(
        JsonElement schema,
        string at,
        string keyword,
        ref List<DependentRequiredRule>? dependentRequired,
        ref List<DependentSchemaRule>? dependentSchemas)
    {
        if (!TryGet(schema, keyword, out JsonElement dependencies) || dependencies.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        string dependenciesAt = Child(at, keyword);
        foreach (JsonProperty dependency in dependencies.EnumerateObject())
        {
            if (dependency.Value.ValueKind == JsonValueKind.Array && keyword != "dependentSchemas")
            {
                var names = new List<string>();
                foreach (JsonElement name in dependency.Value.EnumerateArray())
                {
                    if (name.ValueKind == JsonValueKind.String)
                    {
                        names.Add(name.GetString()!);
                    }
                }

                if (names.Count > 0)
                {
                    (dependentRequired ??= []).Add(new DependentRequiredRule(
                        dependency.Name,
                        [.. names],
                        $"is required when {dependency.Name} is present"));
                }
            }
            else if (IsSchema(dependency.Value) && keyword != "dependentRequired")
            {
                SchemaNode node = NodeAt(dependency.Value, Child(dependenciesAt, dependency.Name));
                if (!ReferenceEquals(node, SchemaNode.True))
                {
                    (dependentSchemas ??= []).Add(new DependentSchemaRule(dependency.Name, node));
                }
            }
        }
    }

    private ArrayRules? CompileArrayRules(JsonElement schema, string at)
    {
        var rules = new ArrayRules();
        bool any = false;

        SchemaNode[]? prefix = NodeList(schema, at, "prefixItems");
        JsonElement items = default;
        bool hasItems = TryGet(schema, "items", out items);
        string itemsKeyword = "items";
        if (prefix is null && hasItems && items.ValueKind == JsonValueKind.Array)
        {
            // Draft 4 to 2019-09 tuple form: items is the prefix and additionalItems covers the rest.
            prefix = NodeList(schema, at, "items");
            hasItems = TryGet(schema, "additionalItems", out items);
            itemsKeyword = "additionalItems";
        }

        if (prefix is not null)
        {
            rules.PrefixItems = prefix;
            any = true;
        }

        if (hasItems && items.ValueKind == JsonValueKind.False)
        {
            rules.ItemsForbidden = true;
            rules.ItemsForbiddenMessage = "must have at most " + Plural(rules.PrefixItems.Length, "item", "items");
            any = true;
        }
        else if (hasItems && IsSchema(items))
        {
            SchemaNode node = NodeAt(items, Child(at, itemsKeyword));
            if (!ReferenceEquals(node, SchemaNode.True) || _annotations)
            {
                rules.Items = node;
                any = true;
            }
        }

        if (TryGetCount(schema, "minItems", out int minItems))
        {
            rules.MinItems = minItems;
            rules.MinItemsMessage = string.Create(CultureInfo.InvariantCulture, $"must have at least {minItems} item(s)");
            any = true;
        }

        if (TryGetCount(schema, "maxItems", out int maxItems))
        {
            rules.MaxItems = maxItems;
            rules.MaxItemsMessage = string.Create(CultureInfo.InvariantCulture, $"must have at most {maxItems} item(s)");
            any = true;
        }

        if (IsTrue(schema, "uniqueItems"))
        {
            rules.UniqueItems = true;
            any = true;
        }

        if (TryGet(schema, "contains", out JsonElement contains) && IsSchema(contains))
        {
            rules.Contains = NodeAt(contains, Child(at, "contains"));
            if (TryGetCount(schema, "minContains", out int minContains))
            {
                rules.MinContains = minContains;
            }

            if (TryGetCount(schema, "maxContains", out int maxContains))
            {
                rules.MaxContains = maxContains;
            }

            rules.MinContainsMessage = string.Create(
                CultureInfo.InvariantCulture, $"must contain at least {rules.MinContains} matching item(s)");
            rules.MaxContainsMessage = string.Create(
                CultureInfo.InvariantCulture, $"must contain at most {rules.MaxContains} matching item(s)");
            any = true;
        }

        return any ? rules : null;
    }

    private StringRules? CompileStringRules(JsonElement schema, string at)
    {
        var rules = new StringRules();
        bool any = false;
        if (TryGetCount(schema, "minLength", out int minLength))
        {
            rules.MinLength = minLength;
            rules.MinLengthMessage = string.Create(CultureInfo.InvariantCulture, $"must have at least {minLength} character(s)");
            any = true;
        }

        if (TryGetCount(schema, "maxLength", out int maxLength))
        {
            rules.MaxLength = maxLength;
            rules.MaxLengthMessage = string.Create(CultureInfo.InvariantCulture, $"must have at most {maxLength} character(s)");
            any = true;
        }

        if (TryGet(schema, "pattern", out JsonElement pattern) && pattern.ValueKind == JsonValueKind.String)
        {
            string text = pattern.GetString()!;
            rules.Pattern = GetRegex(text, "pattern", Child(at, "pattern"));
            rules.PatternMessage = "must match pattern " + text;
            rules.PatternTimeoutMessage = $"could not be checked against pattern {text} in time";
            any = true;
        }

        if (TryGet(schema, "format", out JsonElement format) && format.ValueKind == JsonValueKind.String)
        {
            SchemaFormat parsed = JsonFormats.Parse(format.GetString());
            if (parsed != SchemaFormat.None && !JsonFormats.IsNumeric(parsed))
            {
                rules.Format = parsed;
                any = true;
            }
        }

        return any ? rules : null;
    }

    private static NumberRules? CompileNumberRules(JsonElement schema)
    {
        var rules = new NumberRules();
        bool any = false;
        NumberLimit? minimum = TryGet(schema, "minimum", out JsonElement value) ? NumberLimit.From(value) : null;
        NumberLimit? maximum = TryGet(schema, "maximum", out value) ? NumberLimit.From(value) : null;

        if (TryGet(schema, "exclusiveMinimum", out value))
        {
            if (value.ValueKind == JsonValueKind.True && minimum is not null)
            {
                // OpenAPI 3.0 / draft 4: a boolean that makes minimum exclusive.
                rules.ExclusiveMinimum = minimum;
                minimum = null;
            }
            else
            {
                rules.ExclusiveMinimum = NumberLimit.From(value);
            }
        }

        if (TryGet(schema, "exclusiveMaximum", out value))
        {
            if (value.ValueKind == JsonValueKind.True && maximum is not null)
            {
                rules.ExclusiveMaximum = maximum;
                maximum = null;
            }
            else
            {
                rules.ExclusiveMaximum = NumberLimit.From(value);
            }
        }

        if (minimum is not null)
        {
            rules.Minimum = minimum;
            rules.MinimumMessage = "must be at least " + minimum.Text;
            any = true;
        }

        if (maximum is not null)
        {
            rules.Maximum = maximum;
            rules.MaximumMessage = "must be at most " + maximum.Text;
            any = true;
        }

        if (rules.ExclusiveMinimum is not null)
        {
            rules.ExclusiveMinimumMessage = "must be greater than " + rules.ExclusiveMinimum.Text;
            any = true;
        }

        if (rules.ExclusiveMaximum is not null)
        {
            rules.ExclusiveMaximumMessage = "must be less than " + rules.ExclusiveMaximum.Text;
            any = true;
        }

        if (TryGet(schema, "multipleOf", out value) && NumberLimit.From(value) is { IsPositive: true } divisor)
        {
            rules.MultipleOf = divisor;
            rules.MultipleOfMessage = "must be a multiple of " + divisor.Text;
            any = true;
        }

        if (TryGet(schema, "format", out value) && value.ValueKind == JsonValueKind.String)
        {
            SchemaFormat parsed = JsonFormats.Parse(value.GetString());
            if (JsonFormats.IsNumeric(parsed))
            {
                rules.Format = parsed;
                any = true;
            }
        }

        return any ? rules : null;
    }

    private Regex GetRegex(string pattern, string keyword, string pointer)
    {
        if (_regexes.TryGetValue(pattern, out Regex? regex))
        {
            return regex;
        }

        try
        {
            // ECMAScript mode first: JSON Schema patterns are ECMA-262, where \d, \w and \s are ASCII (in .NET's
            // default mode \d also matches other scripts' digits, which a backend may not expect). Patterns that
            // mode cannot parse (Unicode categories such as \p{L}, lookbehind, ...) use .NET's default syntax.
            regex = TryEcmaScript(pattern) ?? new Regex(pattern, RegexOptions.CultureInvariant, s_regexTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(
                $"Cannot compile the JSON schema: '{keyword}' at '{Show(pointer)}' is not a valid regular expression ({pattern}): {ex.Message}",
                ex);
        }

        _regexes.Add(pattern, regex);
        return regex;
    }

    private static Regex? TryEcmaScript(string pattern)
    {
        try
        {
            return new Regex(WithEcmaWhitespace(pattern), RegexOptions.ECMAScript, s_regexTimeout);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Spells out ECMA-262's <c>\s</c> (Unicode white space and line terminators), which .NET's ECMAScript mode
    /// narrows to ASCII; <c>\S</c> too, outside character classes, so it does not admit a no-break space. A character
    /// outside the BMP (a surrogate pair) is grouped, so <c>🐲*</c> repeats the whole character as in ECMA-262.
    /// </summary>
    private static string WithEcmaWhitespace(string pattern)
    {
        const string Space = "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";
        if (!pattern.Contains("\\s", StringComparison.OrdinalIgnoreCase) && !pattern.AsSpan().ContainsAnyInRange('\uD800', '\uDBFF'))
        {
            return pattern;
        }

        var text = new StringBuilder(pattern.Length + 64);
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                char next = pattern[++i];
                if (next == 's')
                {
                    text.Append(inClass ? Space : "[" + Space + "]");
                }
                else if (next == 'S' && !inClass)
                {
                    text.Append("[^").Append(Space).Append(']');
                }
                else
                {
                    text.Append(c).Append(next);
                }

                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]) && !inClass)
            {
                // One character outside the BMP is two UTF-16 units; group them so a quantifier applies to both.
                text.Append("(?:").Append(c).Append(pattern[++i]).Append(')');
                continue;
            }

            if (c == '[' && !inClass)
            {
                inClass = true;
            }
            else if (c == ']' && inClass)
            {
                inClass = false;
            }

            text.Append(c);
        }

        return text.ToString();
    }

    /// <summary>
    /// Resolves a <c>$ref</c> (or <c>$dynamicRef</c>) of the schema at <paramref name="at"/> against its base URI
    /// (the nearest <c>$id</c>): to a schema resource of this document, then to a JSON pointer within it (with
    /// <c>~0</c>, <c>~1</c> and percent escapes) or to an <c>$anchor</c>/<c>$dynamicAnchor</c> it declares.
    /// </summary>
    private (SchemaNode Node, ResourceInfo Resource, string Fragment) ResolveRef(string reference, string at, string keyword)
    {
        string where = Show(Child(at, keyword));
        int hash = reference.IndexOf('#', StringComparison.Ordinal);
        string address = hash < 0 ? reference : reference[..hash];
        string fragment = hash < 0 ? string.Empty : Uri.UnescapeDataString(reference[(hash + 1)..]);

        ResourceInfo current = ResourceOf(at);
        string? uri = address.Length == 0 ? current.Uri : ResolveUri(current.Uri, address);
        if (uri is null || !_resources.TryGetValue(uri, out ResourceInfo? resource))
        {
            throw new ArgumentException(
                $"Cannot compile the JSON schema: '{keyword}' at '{where}' points to '{reference}', outside this schema document; only references within the document (such as '#/$defs/Name', or to an $id or $anchor it declares) are supported.");
        }

        if (fragment.Length == 0)
        {
            return (NodeAt(resource.Element, resource.Pointer), resource, fragment);
        }

        if (fragment[0] != '/')
        {
            if (!resource.Anchors.TryGetValue(fragment, out (JsonElement Element, string Pointer) anchor))
            {
                throw new ArgumentException(
                    $"Cannot compile the JSON schema: '{keyword}' at '{where}' points to '{reference}', but no $anchor or $dynamicAnchor '{fragment}' is declared in that schema resource.");
            }

            return (NodeAt(anchor.Element, anchor.Pointer), resource, fragment);
        }

        JsonElement target = resource.Element;
        var canonical = new StringBuilder(resource.Pointer);
        foreach (string escaped in fragment[1..].Split('/'))
        {
            string token = escaped.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (!TryStep(ref target, token))
            {
                throw new ArgumentException(
                    $"Cannot compile the JSON schema: '{keyword}' at '{where}' points to '{reference}', which does not exist in the schema document.");
            }

            canonical.Append('/').Append(token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
        }

        if (!IsSchema(target))
        {
            throw new ArgumentException(
                $"Cannot compile the JSON schema: '{keyword}' at '{where}' points to '{reference}', which is a {target.ValueKind}, not a schema.");
        }

        return (NodeAt(target, canonical.ToString()), resource, fragment);
    }

    /// <summary>Resolves a URI reference (without fragment) against a base URI; <see langword="null"/> when it cannot be.</summary>
    private static string? ResolveUri(string baseUri, string reference)
    {
        try
        {
            Uri resolved = HasScheme(reference) ? new Uri(reference, UriKind.Absolute) : new Uri(new Uri(baseUri, UriKind.Absolute), reference);
            string text = resolved.AbsoluteUri;
            int hash = text.IndexOf('#', StringComparison.Ordinal);
            return hash < 0 ? text : text[..hash];
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    /// <summary>Tells whether a URI reference starts with a scheme (RFC 3986 §3.1), so it is absolute.</summary>
    private static bool HasScheme(string reference)
    {
        int colon = reference.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !char.IsAsciiLetter(reference[0]))
        {
            return false;
        }

        foreach (char c in reference.AsSpan(0, colon))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Finds the schema resource that a (possibly unscanned) location belongs to: the nearest scanned ancestor's.</summary>
    private ResourceInfo ResourceOf(string pointer)
    {
        while (true)
        {
            if (_resourceAt.TryGetValue(pointer, out ResourceInfo? resource))
            {
                return resource;
            }

            pointer = pointer[..Math.Max(0, pointer.LastIndexOf('/'))];
        }
    }

    /// <summary>
    /// Walks every subschema of the document once (iteratively, only where keywords hold schemas, so an <c>$id</c>
    /// inside an <c>enum</c> value is not an identifier): records each schema resource (<c>$id</c>), its anchors and
    /// the resource every location belongs to, and notes whether the document uses keywords that need annotations or
    /// dynamic scope.
    /// </summary>
    private void Scan(JsonElement document)
    {
        var work = new Stack<(JsonElement Schema, string Pointer, ResourceInfo? Parent)>();
        work.Push((document, string.Empty, null));
        while (work.TryPop(out (JsonElement Schema, string Pointer, ResourceInfo? Parent) item))
        {
            (JsonElement schema, string pointer, ResourceInfo? resource) = item;
            if (schema.ValueKind == JsonValueKind.Object
                && schema.TryGetProperty("$id", out JsonElement id) && id.ValueKind == JsonValueKind.String)
            {
                string? uri = ResolveUri(resource?.Uri ?? DefaultBaseUri, id.GetString()!.Split('#')[0]);
                if (uri is null)
                {
                    throw new ArgumentException(
                        $"Cannot compile the JSON schema: '$id' at '{Show(Child(pointer, "$id"))}' is not a valid URI reference ({id.GetString()}).");
                }

                resource = new ResourceInfo(uri, pointer, schema);
                _resources.TryAdd(uri, resource);
            }
            else if (resource is null)
            {
                resource = new ResourceInfo(DefaultBaseUri, pointer, schema);
                _resources.TryAdd(DefaultBaseUri, resource);
            }

            _resourceAt.TryAdd(pointer, resource);
            if (schema.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (JsonProperty property in schema.EnumerateObject())
            {
                JsonElement value = property.Value;
                string name = property.Name;
                switch (name)
                {
                    case "$anchor" when value.ValueKind == JsonValueKind.String:
                        resource.Anchors.TryAdd(value.GetString()!, (schema, pointer));
                        continue;
                    case "$dynamicAnchor" when value.ValueKind == JsonValueKind.String:
                        resource.Anchors.TryAdd(value.GetString()!, (schema, pointer));
                        resource.DynamicAnchors.TryAdd(value.GetString()!, (schema, pointer));
                        continue;
                    case "$dynamicRef":
                        _dynamic = true;
                        continue;
                    case "unevaluatedProperties" or "unevaluatedItems":
                        _annotations = true;
                        break;
                    case "items" or "dependencies":
                        break;
                    default:
                        if (Array.IndexOf(s_schemaKeywords, name) < 0
                            && Array.IndexOf(s_schemaArrayKeywords, name) < 0
                            && Array.IndexOf(s_schemaMapKeywords, name) < 0)
                        {
                            continue;
                        }

                        break;
                }

                string at = Child(pointer, name);
                if (value.ValueKind == JsonValueKind.Array)
                {
                    int i = 0;
                    foreach (JsonElement element in value.EnumerateArray())
                    {
                        if (IsSchema(element))
                        {
                            work.Push((element, Child(pointer, name, i), resource));
                        }

                        i++;
                    }
                }
                else if (value.ValueKind == JsonValueKind.Object && (Array.IndexOf(s_schemaMapKeywords, name) >= 0 || name == "dependencies"))
                {
                    foreach (JsonProperty entry in value.EnumerateObject())
                    {
                        if (IsSchema(entry.Value))
                        {
                            work.Push((entry.Value, Child(at, entry.Name), resource));
                        }
                    }
                }
                else if (IsSchema(value))
                {
                    work.Push((value, at, resource));
                }
            }
        }
    }

    /// <summary>
    /// Refuses a schema whose keywords would be enforced more loosely than written: a keyword value of the wrong
    /// shape (such as <c>"minLength": "5"</c> or <c>"type": "int"</c>, which would otherwise be ignored) or a keyword
    /// this validator does not implement. Annotations and unknown keywords (<c>title</c>, <c>x-*</c>, ...) pass.
    /// </summary>
    private static void CheckKeywords(JsonElement schema, string at)
    {
        foreach (JsonProperty property in schema.EnumerateObject())
        {
            string? problem = CheckKeyword(property.Name, property.Value);
            if (problem is not null)
            {
                throw new ArgumentException(
                    $"Cannot compile the JSON schema: '{property.Name}' at '{Show(Child(at, property.Name))}' {problem}.");
            }
        }
    }

    private static string? CheckKeyword(string keyword, JsonElement value)
    {
        JsonValueKind kind = value.ValueKind;
        switch (keyword)
        {
            case "$recursiveRef" or "$recursiveAnchor":
                return "is a draft 2019-09 keyword this validator does not support; use $dynamicRef and $dynamicAnchor (draft 2020-12)";
            case "type":
                if (kind == JsonValueKind.String)
                {
                    return ParseType(value) == JsonTypes.None ? $"names an unknown type ({value.GetString()}); use null, boolean, object, array, number, string or integer" : null;
                }

                if (kind == JsonValueKind.Array && value.GetArrayLength() > 0)
                {
                    foreach (JsonElement name in value.EnumerateArray())
                    {
                        if (ParseType(name) == JsonTypes.None)
                        {
                            return $"names an unknown type ({JsonText.Show(name, quoteStrings: true)}); use null, boolean, object, array, number, string or integer";
                        }
                    }

                    return null;
                }

                return "must be a type name or a non-empty array of type names";
            case "enum":
                return kind == JsonValueKind.Array ? null : "must be an array of values";
            case "multipleOf":
                return kind == JsonValueKind.Number && JsonText.ReadDouble(value) > 0 ? null : "must be a number greater than 0";
            case "maximum" or "minimum":
                return kind == JsonValueKind.Number ? null : "must be a number";
            case "exclusiveMaximum" or "exclusiveMinimum":
                // A boolean is the draft 4 / OpenAPI 3.0 form, which modifies maximum/minimum.
                return kind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? null : "must be a number";
            case "required":
                return IsStringArray(value) ? null : "must be an array of property names (strings)";
            case "uniqueItems" or "nullable":
                return kind is JsonValueKind.True or JsonValueKind.False ? null : "must be true or false";
            case "dependentRequired":
                if (kind != JsonValueKind.Object)
                {
                    return "must be an object whose values are arrays of property names";
                }

                foreach (JsonProperty entry in value.EnumerateObject())
                {
                    if (!IsStringArray(entry.Value))
                    {
                        return $"must be an object whose values are arrays of property names, but '{entry.Name}' is not";
                    }
                }

                return null;
            case "dependencies":
                if (kind != JsonValueKind.Object)
                {
                    return "must be an object whose values are schemas or arrays of property names";
                }

                foreach (JsonProperty entry in value.EnumerateObject())
                {
                    if (!IsSchema(entry.Value) && !IsStringArray(entry.Value))
                    {
                        return $"must be an object whose values are schemas or arrays of property names, but '{entry.Name}' is not";
                    }
                }

                return null;
            case "items":
                return IsSchema(value) || IsSchemaArray(value, allowEmpty: true) ? null : "must be a schema (an object or a boolean)";
            default:
                if (Array.IndexOf(s_countKeywords, keyword) >= 0)
                {
                    return kind == JsonValueKind.Number && JsonText.IsInteger(value) && JsonText.ReadDouble(value) >= 0
                        ? null
                        : "must be a non-negative integer";
                }

                if (Array.IndexOf(s_stringKeywords, keyword) >= 0)
                {
                    return kind == JsonValueKind.String ? null : "must be a string";
                }

                if (Array.IndexOf(s_schemaKeywords, keyword) >= 0)
                {
                    return IsSchema(value) ? null : "must be a schema (an object or a boolean)";
                }

                if (Array.IndexOf(s_schemaArrayKeywords, keyword) >= 0)
                {
                    return IsSchemaArray(value, allowEmpty: false) ? null : "must be a non-empty array of schemas (objects or booleans)";
                }

                if (Array.IndexOf(s_schemaMapKeywords, keyword) >= 0)
                {
                    if (kind != JsonValueKind.Object)
                    {
                        return "must be an object whose values are schemas";
                    }

                    foreach (JsonProperty entry in value.EnumerateObject())
                    {
                        if (!IsSchema(entry.Value))
                        {
                            return $"must be an object whose values are schemas (objects or booleans), but '{entry.Name}' is a {entry.Value.ValueKind}";
                        }
                    }
                }

                return null;
        }
    }

    private static bool IsStringArray(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (JsonElement item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSchemaArray(JsonElement value, bool allowEmpty)
    {
        if (value.ValueKind != JsonValueKind.Array || (!allowEmpty && value.GetArrayLength() == 0))
        {
            return false;
        }

        foreach (JsonElement item in value.EnumerateArray())
        {
            if (!IsSchema(item))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryStep(ref JsonElement current, string token)
    {
        if (current.ValueKind == JsonValueKind.Object)
        {
            return current.TryGetProperty(token, out current);
        }

        if (current.ValueKind == JsonValueKind.Array
            && token.Length > 0 && (token.Length == 1 || token[0] != '0')
            && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            && index < current.GetArrayLength())
        {
            current = current[index];
            return true;
        }

        return false;
    }

    /// <summary>A schema resource at compile time: its URI, where it is, and the anchors it declares.</summary>
    private sealed class ResourceInfo(string uri, string pointer, JsonElement element)
    {
        public string Uri { get; } = uri;

        public string Pointer { get; } = pointer;

        public JsonElement Element { get; } = element;

        public Dictionary<string, (JsonElement Element, string Pointer)> Anchors { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (JsonElement Element, string Pointer)> DynamicAnchors { get; } = new(StringComparer.Ordinal);

        public SchemaResource Runtime { get; } = new(uri);
    }
}
