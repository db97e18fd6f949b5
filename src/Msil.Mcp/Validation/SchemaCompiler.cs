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

    private readonly JsonElement _document;
    private readonly string? _documentId;
    private readonly Dictionary<string, SchemaNode> _nodes = new(StringComparer.Ordinal);
    private readonly Queue<(SchemaNode Node, JsonElement Schema)> _pending = new();
    private readonly Dictionary<string, Regex> _regexes = new(StringComparer.Ordinal);

    private SchemaCompiler(JsonElement document)
    {
        _document = document;
        if (document.ValueKind == JsonValueKind.Object
            && document.TryGetProperty("$id", out JsonElement id)
            && id.ValueKind == JsonValueKind.String)
        {
            _documentId = id.GetString()!.TrimEnd('#');
        }
    }

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

        if (TryGet(schema, "$ref", out JsonElement reference) && reference.ValueKind == JsonValueKind.String)
        {
            node.Ref = ResolveRef(reference.GetString()!, Child(at, "$ref"));
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
        if (then is not null || otherwise is not null)
        {
            node.If = OptionalNode(schema, at, "if");
            node.Then = then;
            node.Else = otherwise;
        }

        node.AlwaysValid = node.Types == JsonTypes.None && node.Ref is null && node.Enum is null && node.Const is null
            && node.ObjectRules is null && node.ArrayRules is null && node.StringRules is null && node.NumberRules is null
            && node.AllOf is null && node.AnyOf is null && node.OneOf is null && node.Not is null && node.If is null;
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
                additional = ReferenceEquals(node, SchemaNode.True) ? null : node;
            }
        }

        List<DependentRequiredRule>? dependentRequired = null;
        List<DependentSchemaRule>? dependentSchemas = null;
        CompileDependencies(schema, at, "dependentRequired", ref dependentRequired, ref dependentSchemas);
        CompileDependencies(schema, at, "dependentSchemas", ref dependentRequired, ref dependentSchemas);
        CompileDependencies(schema, at, "dependencies", ref dependentRequired, ref dependentSchemas);

        bool hasMin = TryGetCount(schema, "minProperties", out int minProperties);
        bool hasMax = TryGetCount(schema, "maxProperties", out int maxProperties);
        if (!any && required.Count == 0 && patterns.Count == 0 && additional is null && !additionalForbidden
            && dependentRequired is null && dependentSchemas is null && !hasMin && !hasMax)
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
            if (!ReferenceEquals(node, SchemaNode.True))
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
            regex = new Regex(pattern, RegexOptions.CultureInvariant, s_regexTimeout);
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

    /// <summary>
    /// Resolves a <c>$ref</c> within this document: <c>#</c>, <c>#/$defs/...</c>, <c>#/definitions/...</c>,
    /// <c>#/components/schemas/...</c> or any other JSON pointer (with <c>~0</c>, <c>~1</c> and percent escapes).
    /// </summary>
    private SchemaNode ResolveRef(string reference, string at)
    {
        string? fragment = null;
        if (reference.StartsWith('#'))
        {
            fragment = reference[1..];
        }
        else if (_documentId is not null && reference.StartsWith(_documentId, StringComparison.Ordinal))
        {
            string rest = reference[_documentId.Length..];
            if (rest.Length == 0 || rest[0] == '#')
            {
                fragment = rest.Length == 0 ? string.Empty : rest[1..];
            }
        }

        if (fragment is null)
        {
            throw new ArgumentException(
                $"Cannot compile the JSON schema: '$ref' at '{Show(at)}' points to '{reference}', outside this schema document; only references within the document (such as '#/$defs/Name') are supported.");
        }

        fragment = Uri.UnescapeDataString(fragment);
        if (fragment.Length > 0 && fragment[0] != '/')
        {
            throw new ArgumentException(
                $"Cannot compile the JSON schema: '$ref' at '{Show(at)}' points to '{reference}', an anchor name; only JSON pointers (such as '#/$defs/Name') are supported.");
        }

        JsonElement target = _document;
        var canonical = new StringBuilder();
        if (fragment.Length > 0)
        {
            foreach (string escaped in fragment[1..].Split('/'))
            {
                string token = escaped.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                if (!TryStep(ref target, token))
                {
                    throw new ArgumentException(
                        $"Cannot compile the JSON schema: '$ref' at '{Show(at)}' points to '{reference}', which does not exist in the schema document.");
                }

                canonical.Append('/').Append(token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
            }
        }

        if (!IsSchema(target))
        {
            throw new ArgumentException(
                $"Cannot compile the JSON schema: '$ref' at '{Show(at)}' points to '{reference}', which is a {target.ValueKind}, not a schema.");
        }

        return NodeAt(target, canonical.ToString());
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
}
