using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim.Http;

/// <summary>
/// Writes a JSON request body as XML by the tool's <see cref="XmlMapping"/> (the OpenAPI <c>xml</c> objects): objects
/// become elements whose properties are child elements or attributes, arrays repeat their items' element (inside a
/// wrapping element when <c>wrapped</c>), scalars are text. An element without a namespace of its own takes its parent's
/// default namespace (no prefix), so a document in one default namespace needs the namespace only on its root. Text is
/// escaped by <see cref="XmlWriter"/>; a character XML 1.0 cannot carry is refused; no DTD or entity is ever written.
/// </summary>
internal static class XmlBodyWriter
{
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = false,
        CheckCharacters = true,
        NamespaceHandling = NamespaceHandling.OmitDuplicates,
        CloseOutput = false,
    };

    /// <summary>Sets the request's content to the XML of <paramref name="body"/>.</summary>
    /// <returns><see langword="null"/>, or why the body cannot be written.</returns>
    public static string? Write(HttpRequestMessage request, string mediaType, XmlMapping? root, JsonElement body)
    {
        byte[] bytes;
        try
        {
            bytes = ToBytes(root ?? new XmlMapping { Name = "root" }, body);
        }
        catch (ArgumentException ex)
        {
            return "the request body cannot be written as XML: " + ex.Message;
        }
        catch (XmlException ex)
        {
            return "the request body cannot be written as XML: " + ex.Message;
        }
        catch (InvalidOperationException ex)
        {
            return "the request body cannot be written as XML: " + ex.Message;
        }

        request.Content = new ByteArrayContent(bytes);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(
            MediaTypeHeaderValue.TryParse(mediaType, out var parsed) && parsed.MediaType is not null ? parsed.MediaType : "application/xml") { CharSet = "utf-8" };
        return null;
    }

    /// <summary>Returns the UTF-8 XML document of <paramref name="body"/>.</summary>
    /// <exception cref="ArgumentException">A value holds a character XML cannot carry.</exception>
    internal static byte[] ToBytes(XmlMapping root, JsonElement body)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, Settings))
        {
            writer.WriteStartDocument();

            // A document has one root: an array body is always wrapped in the root's element.
            var mapping = body.ValueKind == JsonValueKind.Array && !root.Wrapped ? root with { Wrapped = true } : root;
            WriteElement(writer, mapping, Name(mapping.Name), body, inheritedNamespace: string.Empty);
            writer.WriteEndDocument();
        }

        return stream.ToArray();
    }

    private static void WriteElement(XmlWriter writer, XmlMapping mapping, string name, JsonElement value, string inheritedNamespace)
    {
        var ns = mapping.Namespace ?? inheritedNamespace;

        // A prefixed element leaves the default namespace as it was; an unprefixed one with a namespace sets it.
        var childNamespace = mapping.Namespace is null || mapping.Prefix is not null ? inheritedNamespace : mapping.Namespace;
        var prefix = ns.Length > 0 ? mapping.Prefix : null;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return;
            case JsonValueKind.Array when mapping.Wrapped:
                writer.WriteStartElement(prefix, name, ns);
                WriteItems(writer, mapping, value, childNamespace);
                writer.WriteEndElement();
                return;
            case JsonValueKind.Array:
                WriteItems(writer, mapping, value, inheritedNamespace);
                return;
            case JsonValueKind.Object:
                writer.WriteStartElement(prefix, name, ns);
                WriteObject(writer, mapping, value, childNamespace);
                writer.WriteEndElement();
                return;
            default:
                writer.WriteStartElement(prefix, name, ns);
                writer.WriteString(Text(value));
                writer.WriteEndElement();
                return;
        }
    }

    private static void WriteItems(XmlWriter writer, XmlMapping array, JsonElement value, string inheritedNamespace)
    {
        var items = array.Items ?? new XmlMapping { Name = array.Name };
        foreach (var item in value.EnumerateArray())
        {
            WriteElement(writer, items, Name(items.Name), item, inheritedNamespace);
        }
    }

    private static void WriteObject(XmlWriter writer, XmlMapping mapping, JsonElement value, string childNamespace)
    {
        // Attributes first (XML needs them before any content), then elements in the schema's order, then properties the
        // schema does not describe, by their JSON names.
        foreach (var property in mapping.Properties)
        {
            if (property.Attribute && property.Property is { } key && value.TryGetProperty(key, out var attribute)
                && attribute.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                writer.WriteAttributeString(property.Namespace is null ? null : property.Prefix, Name(property.Name), property.Namespace, Text(attribute));
            }
        }

        foreach (var property in mapping.Properties)
        {
            if (!property.Attribute && property.Property is { } key && value.TryGetProperty(key, out var element))
            {
                WriteElement(writer, property, Name(property.Name), element, childNamespace);
            }
        }

        foreach (var property in value.EnumerateObject())
        {
            if (!Described(mapping, property.Name))
            {
                WriteElement(writer, new XmlMapping { Name = property.Name, Property = property.Name }, Name(property.Name), property.Value, childNamespace);
            }
        }
    }

    private static bool Described(XmlMapping mapping, string property)
    {
        foreach (var p in mapping.Properties)
        {
            if (string.Equals(p.Property, property, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A scalar's text; an array in an attribute is a space-separated list (xs:list), an object its JSON.</summary>
    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? string.Empty,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Array => string.Join(' ', value.EnumerateArray().Select(Text)),
        JsonValueKind.Null => string.Empty,
        _ => value.GetRawText(),
    };

    /// <summary>A name XML accepts: the schema's when it is an XML name, else its <see cref="XmlConvert.EncodeLocalName"/> form.</summary>
    internal static string Name(string name)
    {
        try
        {
            return XmlConvert.VerifyNCName(name);
        }
        catch (XmlException)
        {
            return XmlConvert.EncodeLocalName(name) is { Length: > 0 } encoded ? encoded : "_";
        }
        catch (ArgumentNullException)
        {
            return "_";
        }
    }
}
