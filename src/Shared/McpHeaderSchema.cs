using System.Text.Json;

namespace Msil.Mcp.CustomHeaders;

/// <summary>One argument a tool mirrors into an HTTP header.</summary>
/// <param name="Property">The top-level property (argument) name in the input schema.</param>
/// <param name="Header">The header name without the <c>Mcp-Param-</c> prefix.</param>
internal sealed record McpHeaderDeclaration(string Property, string Header);

/// <summary>
/// Reads and checks the <c>x-mcp-header</c> declarations (SEP-2243) of a tool's input schema: only on top-level
/// properties of type <c>string</c>, <c>integer</c> or <c>boolean</c> (optionally with <c>null</c>), a header name
/// that is an HTTP token, and no two declarations whose names differ only in case.
/// </summary>
internal static class McpHeaderSchema
{
    /// <summary>Returns the tool's declarations, or the first problem as a message naming the tool, the property and the fix.</summary>
    public static IReadOnlyList<McpHeaderDeclaration> Read(string toolName, JsonElement inputSchema, out string? problem)
    {
        problem = null;
        if (inputSchema.ValueKind != JsonValueKind.Object
            || !inputSchema.TryGetProperty("properties", out var properties)
            || properties.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        var found = new List<McpHeaderDeclaration>();
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in properties.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (FindNested(property.Value, property.Name) is { } nested)
            {
                problem = Message(toolName, nested, "x-mcp-header is allowed only on top-level properties of the input schema",
                    "move the header to a top-level argument or remove the keyword");
                return [];
            }

            if (!property.Value.TryGetProperty(McpHeaderNames.Keyword, out var header))
            {
                continue;
            }

            if (header.ValueKind != JsonValueKind.String)
            {
                problem = Message(toolName, property.Name, $"the x-mcp-header value is a JSON {header.ValueKind.ToString().ToLowerInvariant()}, not a string",
                    "give the header name as a string, for example \"x-mcp-header\": \"Region\"");
                return [];
            }

            var name = header.GetString()!;
            if (McpHeaderNames.NameProblem(name) is { } nameProblem)
            {
                problem = Message(toolName, property.Name, nameProblem, "use a name of letters, digits and '-', for example 'Region'");
                return [];
            }

            if (!HasHeaderType(property.Value, out var typeText))
            {
                problem = Message(toolName, property.Name, $"its type is {typeText}, but x-mcp-header is allowed only on string, integer and boolean properties (SEP-2243)",
                    "declare \"type\": \"string\", \"integer\" or \"boolean\" on the property, or remove x-mcp-header");
                return [];
            }

            if (names.TryGetValue(name, out var other))
            {
                problem = Message(toolName, property.Name, $"the header name '{name}' is already declared by property '{other}' (header names are compared case-insensitively)",
                    "give each property its own header name");
                return [];
            }

            names[name] = property.Name;
            found.Add(new McpHeaderDeclaration(property.Name, name));
        }

        return found;
    }

    /// <summary>Returns the first problem with the tool's declarations, or <see langword="null"/>.</summary>
    public static string? Validate(string toolName, JsonElement inputSchema)
    {
        Read(toolName, inputSchema, out var problem);
        return problem;
    }

    private static string Message(string toolName, string property, string problem, string fix)
        => $"Tool '{toolName}', property '{property}': invalid x-mcp-header declaration: {problem}. Fix: {fix}.";

    private static bool HasHeaderType(JsonElement schema, out string typeText)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            typeText = "not declared";
            return false;
        }

        typeText = type.GetRawText();
        switch (type.ValueKind)
        {
            case JsonValueKind.String:
                return McpHeaderNames.IsHeaderType(type.GetString());
            case JsonValueKind.Array:
                var primitive = false;
                foreach (var item in type.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        return false;
                    }

                    if (item.ValueEquals("null"))
                    {
                        continue;
                    }

                    if (!McpHeaderNames.IsHeaderType(item.GetString()))
                    {
                        return false;
                    }

                    primitive = true;
                }

                return primitive;
            default:
                return false;
        }
    }

    /// <summary>Finds an <c>x-mcp-header</c> below a top-level property (nested object properties, items, combinators).</summary>
    private static string? FindNested(JsonElement schema, string path)
    {
        foreach (var member in schema.EnumerateObject())
        {
            switch (member.Value.ValueKind)
            {
                case JsonValueKind.Object when member.NameEquals("properties") || member.NameEquals("$defs") || member.NameEquals("definitions") || member.NameEquals("patternProperties"):
                    foreach (var child in member.Value.EnumerateObject())
                    {
                        if (child.Value.ValueKind == JsonValueKind.Object)
                        {
                            var childPath = path + "." + child.Name;
                            if (child.Value.TryGetProperty(McpHeaderNames.Keyword, out _))
                            {
                                return childPath;
                            }

                            if (FindNested(child.Value, childPath) is { } deeper)
                            {
                                return deeper;
                            }
                        }
                    }

                    break;
                case JsonValueKind.Object when member.NameEquals("items") || member.NameEquals("additionalProperties") || member.NameEquals("not"):
                    if (member.Value.TryGetProperty(McpHeaderNames.Keyword, out _))
                    {
                        return path + "[" + member.Name + "]";
                    }

                    if (FindNested(member.Value, path + "[" + member.Name + "]") is { } inItems)
                    {
                        return inItems;
                    }

                    break;
                case JsonValueKind.Array when member.NameEquals("anyOf") || member.NameEquals("oneOf") || member.NameEquals("allOf") || member.NameEquals("prefixItems"):
                    foreach (var branch in member.Value.EnumerateArray())
                    {
                        if (branch.ValueKind != JsonValueKind.Object)
                        {
                            continue;
                        }

                        if (branch.TryGetProperty(McpHeaderNames.Keyword, out _))
                        {
                            return path + "[" + member.Name + "]";
                        }

                        if (FindNested(branch, path + "[" + member.Name + "]") is { } inBranch)
                        {
                            return inBranch;
                        }
                    }

                    break;
            }
        }

        return null;
    }
}
