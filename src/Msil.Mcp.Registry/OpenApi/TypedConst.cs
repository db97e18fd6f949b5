using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>Keeps the JSON type of <c>const</c> values, which Microsoft.OpenApi keeps only as text.</summary>
/// <remarks>
/// The reader stores <see cref="IOpenApiSchema.Const"/> as a string: <c>"const": true</c> becomes <c>"True"</c>, a number
/// its text, and an object, an array or <c>null</c> is lost. Before the document is read, every <c>const</c> of a schema
/// whose value is not a JSON string is moved into <see cref="Extension"/> (as a one-element array, or an empty one for
/// <c>null</c>, which the reader would drop from an array), which the reader keeps as JSON; <see cref="SchemaEmitter"/> writes it back as <c>const</c>.
/// <c>enum</c>, <c>default</c> and examples are kept as JSON by the reader and need nothing.
/// </remarks>
internal static class TypedConst
{
    /// <summary>The extension that carries a typed <c>const</c> through the reader.</summary>
    public const string Extension = "x-msil-mcp-const";

    // Objects whose members are named by the document's author (a member called "const" is a name there, not a keyword).
    private static readonly HashSet<string> NameMaps = new(StringComparer.Ordinal)
    {
        "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "paths", "webhooks", "responses",
        "parameters", "headers", "content", "encoding", "variables", "callbacks", "links", "securityDefinitions",
        "securitySchemes", "requestBodies", "pathItems", "mapping", "scopes",
    };

    // Members whose values are data (examples, defaults, enumerations, extensions), never schemas.
    private static readonly HashSet<string> DataMembers = new(StringComparer.Ordinal)
    {
        "example", "examples", "default", "enum", "const", "value", "dataValue", "serializedValue",
    };

    /// <summary>Returns whether the document text may hold a <c>const</c> keyword at all (a cheap test before <see cref="Annotate"/>).</summary>
    /// <param name="utf8">The document.</param>
    /// <param name="json"><see langword="true"/> for JSON, where the keyword is quoted; YAML keys may be bare.</param>
    public static bool Mentions(ReadOnlySpan<byte> utf8, bool json) => utf8.IndexOf(json ? "\"const\""u8 : "const"u8) >= 0;

    /// <summary>Moves every schema's <c>const</c> whose value is not a JSON string into <see cref="Extension"/>.</summary>
    /// <param name="root">The document as JSON; changed in place.</param>
    /// <returns>How many values were moved.</returns>
    public static int Annotate(JsonNode root)
    {
        var moved = 0;
        var pending = new Stack<(JsonNode Node, Context Context)>();
        pending.Push((root, Context.Regular));
        while (pending.Count > 0)
        {
            var (node, context) = pending.Pop();
            if (node is JsonArray array)
            {
                foreach (var item in array)
                {
                    if (item is JsonObject or JsonArray)
                    {
                        pending.Push((item, Context.Regular));
                    }
                }

                continue;
            }

            if (node is not JsonObject obj)
            {
                continue;
            }

            if (context == Context.Regular && obj.TryGetPropertyValue("const", out var constant)
                && (constant?.GetValueKind() is not JsonValueKind.String || JsonNullSentinel.IsJsonNullSentinel(constant)))
            {
                // YAML's null arrives as the library's null sentinel, a string value.
                constant = JsonNullSentinel.IsJsonNullSentinel(constant) ? null : constant;
                obj.Remove("const");
                obj[Extension] = constant is null ? new JsonArray() : new JsonArray(constant);
                moved++;
            }

            foreach (var (name, child) in obj)
            {
                if (child is not (JsonObject or JsonArray))
                {
                    continue;
                }

                switch (context)
                {
                    case Context.NameMap:
                        pending.Push((child, Context.Regular));
                        break;
                    case Context.Components:
                        if (name != "examples" && !name.StartsWith("x-", StringComparison.Ordinal))
                        {
                            pending.Push((child, Context.NameMap));
                        }

                        break;
                    default:
                        if (name.StartsWith("x-", StringComparison.Ordinal) || DataMembers.Contains(name))
                        {
                            break;
                        }

                        pending.Push((child, name == "components" ? Context.Components
                            : NameMaps.Contains(name) && child is JsonObject ? Context.NameMap
                            : Context.Regular));
                        break;
                }
            }
        }

        return moved;
    }

    /// <summary>Returns the typed <c>const</c> that <see cref="Annotate"/> moved into <paramref name="extensions"/>, if any.</summary>
    /// <param name="extensions">A schema's extensions.</param>
    /// <param name="value">The value; <see langword="null"/> (or the reader's null sentinel) for JSON <c>null</c>.</param>
    /// <returns><see langword="true"/> when the schema has a typed <c>const</c>.</returns>
    public static bool Of(IDictionary<string, IOpenApiExtension>? extensions, out JsonNode? value)
    {
        if (extensions is not null
            && extensions.TryGetValue(Extension, out var extension)
            && extension is JsonNodeExtension { Node: JsonArray { Count: <= 1 } holder })
        {
            value = holder.Count == 0 ? null : holder[0];
            return true;
        }

        value = null;
        return false;
    }

    private enum Context
    {
        Regular,
        NameMap,
        Components,
    }
}
