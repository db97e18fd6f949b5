using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Xml;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim.Http;

/// <summary>
/// Reads an XML response into JSON by the tool's <see cref="XmlMapping"/>, the reverse of <see cref="XmlBodyWriter"/>:
/// elements and attributes are matched by local name, values take the schema's type (a number that does not parse stays
/// a string), repeated elements of an array property are collected, and what the mapping does not describe is read by
/// shape (an element with children or attributes is an object, a repeated one an array, else a string). The parser
/// prohibits DTDs (so no entity is ever expanded: a "billion laughs" document is refused), resolves nothing, and
/// reads at most the bytes the executor kept (<c>MaxResponseBytes</c>) and <see cref="MaxDepth"/> levels.
/// </summary>
internal static class XmlBodyReader
{
    /// <summary>The deepest element nesting read.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonWriterOptions JsonOptions = new() { MaxDepth = MaxDepth * 2 + 8 };

    /// <summary>The parser's settings: no DTD, no resolver, a size cap.</summary>
    internal static XmlReaderSettings SettingsFor(long maxCharacters) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxCharacters,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
    };

    /// <summary>Reads <paramref name="bytes"/> into a JSON object (an array root becomes <c>{"items": […]}</c>).</summary>
    /// <returns>The JSON, or <see langword="null"/> and why the document could not be read.</returns>
    public static (JsonElement? Json, string? Problem) Read(ReadOnlyMemory<byte> bytes, XmlMapping root, long maxCharacters)
    {
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, SettingsFor(maxCharacters));
            if (reader.MoveToContent() != XmlNodeType.Element)
            {
                return (null, "the document has no root element");
            }

            var buffer = new ArrayBufferWriter<byte>(Math.Max(256, bytes.Length));
            using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
            {
                var node = ReadNode(reader, 0);
                if (root.Type == "array")
                {
                    writer.WriteStartObject();
                    writer.WritePropertyName("items");
                    WriteArray(writer, root.Items, root.Wrapped ? node.Children : [node]);
                    writer.WriteEndObject();
                }
                else
                {
                    WriteValue(writer, root, node);
                }
            }

            return (JsonElement.Parse(buffer.WrittenSpan), null);
        }
        catch (XmlException ex)
        {
            return (null, ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>Reads the element the reader is on, and its subtree, into a small tree; the reader ends after it.</summary>
    private static Node ReadNode(XmlReader reader, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"the document is nested deeper than {MaxDepth} elements");
        }

        var node = new Node(reader.LocalName);
        if (reader.HasAttributes)
        {
            while (reader.MoveToNextAttribute())
            {
                if (reader.Prefix != "xmlns" && reader.LocalName != "xmlns")
                {
                    node.Attributes.Add((reader.LocalName, reader.Value));
                }
            }

            reader.MoveToElement();
        }

        if (reader.IsEmptyElement)
        {
            reader.Read();
            return node;
        }

        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement && !reader.EOF)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    node.Children.Add(ReadNode(reader, depth + 1));
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace:
                    node.Text = (node.Text ?? string.Empty) + reader.Value;
                    reader.Read();
                    break;
                default:
                    reader.Read();
                    break;
            }
        }

        reader.Read();
        return node;
    }

    private static void WriteValue(Utf8JsonWriter writer, XmlMapping? mapping, Node node)
    {
        var type = mapping?.Type;
        if (type == "array" && mapping is not null)
        {
            WriteArray(writer, mapping.Items, mapping.Wrapped ? node.Children : [node]);
        }
        else if (type == "object" || (type is null && (mapping is { Properties.Count: > 0 } || node.Children.Count > 0 || node.Attributes.Count > 0)))
        {
            WriteObject(writer, mapping, node);
        }
        else if (type == "string")
        {
            writer.WriteStringValue(node.Text ?? string.Empty);
        }
        else
        {
            WriteScalar(writer, type, node.Text ?? string.Empty);
        }
    }

    private static void WriteArray(Utf8JsonWriter writer, XmlMapping? items, List<Node> nodes)
    {
        writer.WriteStartArray();
        foreach (var item in nodes)
        {
            WriteValue(writer, items, item);
        }

        writer.WriteEndArray();
    }

    private static void WriteObject(Utf8JsonWriter writer, XmlMapping? mapping, Node node)
    {
        writer.WriteStartObject();
        var used = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var usedAttributes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in mapping?.Properties ?? [])
        {
            if (property.Property is not { } key)
            {
                continue;
            }

            if (property.Attribute)
            {
                foreach (var (name, value) in node.Attributes)
                {
                    if (name == XmlBodyWriter.Name(property.Name) && usedAttributes.Add(name))
                    {
                        writer.WritePropertyName(key);
                        WriteScalar(writer, property.Type, value);
                        break;
                    }
                }

                continue;
            }

            if (property.Type == "array" && !property.Wrapped)
            {
                var itemName = XmlBodyWriter.Name((property.Items ?? property).Name);
                var items = node.Children.Where(c => c.Name == itemName && !used.Contains(c)).ToList();
                if (items.Count > 0)
                {
                    used.UnionWith(items);
                    writer.WritePropertyName(key);
                    WriteArray(writer, property.Items, items);
                }

                continue;
            }

            var elementName = XmlBodyWriter.Name(property.Name);
            if (node.Children.FirstOrDefault(c => c.Name == elementName && !used.Contains(c)) is { } child)
            {
                used.Add(child);
                writer.WritePropertyName(key);
                WriteValue(writer, property, child);
            }
        }

        // What the mapping does not describe: attributes, then elements by name (a repeated name becomes an array).
        foreach (var (name, value) in node.Attributes)
        {
            if (!usedAttributes.Contains(name) && !Described(mapping, name))
            {
                writer.WriteString(XmlConvert.DecodeName(name), value);
            }
        }

        foreach (var group in node.Children.Where(c => !used.Contains(c)).GroupBy(c => c.Name, StringComparer.Ordinal))
        {
            if (Described(mapping, group.Key))
            {
                continue;
            }

            writer.WritePropertyName(XmlConvert.DecodeName(group.Key));
            var members = group.ToList();
            if (members.Count == 1)
            {
                WriteValue(writer, null, members[0]);
            }
            else
            {
                WriteArray(writer, null, members);
            }
        }

        writer.WriteEndObject();
    }

    private static bool Described(XmlMapping? mapping, string name)
    {
        foreach (var p in mapping?.Properties ?? [])
        {
            if (XmlBodyWriter.Name(p.Name) == name || (p.Items is { } items && XmlBodyWriter.Name(items.Name) == name))
            {
                return true;
            }
        }

        return false;
    }

    private static void WriteScalar(Utf8JsonWriter writer, string? type, string text)
    {
        var trimmed = text.Trim();
        switch (type)
        {
            case "integer" when long.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer):
                writer.WriteNumberValue(integer);
                return;
            case "integer" or "number" when decimal.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var number):
                writer.WriteNumberValue(number);
                return;
            case "boolean" when trimmed is "true" or "1":
                writer.WriteBooleanValue(true);
                return;
            case "boolean" when trimmed is "false" or "0":
                writer.WriteBooleanValue(false);
                return;
            default:
                writer.WriteStringValue(text);
                return;
        }
    }

    /// <summary>One element as read: its local name, attributes, child elements and text.</summary>
    private sealed class Node(string name)
    {
        public string Name { get; } = name;

        public List<(string Name, string Value)> Attributes { get; } = [];

        public List<Node> Children { get; } = [];

        public string? Text { get; set; }
    }
}
