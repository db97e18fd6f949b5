using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Http;

namespace Msil.Mcp.Apim.Tests.Http;

/// <summary>JSON to XML by the OpenAPI <c>xml</c> objects: names, namespaces, prefixes, attributes, arrays and escaping.</summary>
public sealed class XmlBodyWriterTests
{
    private static readonly XNamespace Orders = XmlOrders.Namespace;
    private static readonly XNamespace Notes = XmlOrders.NotesNamespace;

    private static XDocument Parse(byte[] bytes)
    {
        using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        return XDocument.Load(reader);
    }

    [Fact]
    public void ToBytes_Order_WritesNamespacesPrefixesAttributesAndArrays()
    {
        var bytes = XmlBodyWriter.ToBytes(XmlOrders.Order, JsonElement.Parse(XmlOrders.OrderJson));

        var root = Parse(bytes).Root!;
        Assert.Equal(Orders + "order", root.Name);
        Assert.Equal("7", root.Attribute("id")!.Value);
        Assert.Equal("Ann & Co <ltd> \"quoted\"", root.Element(Orders + "customer")!.Value);
        Assert.Equal("fast", root.Element(Notes + "note")!.Value);
        Assert.Equal("true", root.Element(Orders + "priority")!.Value);
        var lines = root.Element(Orders + "lines")!.Elements(Orders + "line").ToList();
        Assert.Equal(["A-1", "B\"2"], lines.Select(l => l.Attribute("sku")!.Value));
        Assert.Equal(["2", "1"], lines.Select(l => l.Element(Orders + "quantity")!.Value));
        Assert.Equal(["red", "blue"], root.Elements(Orders + "tag").Select(t => t.Value));
        Assert.Empty(root.Elements(Orders + "tags"));
        Assert.Equal("12.5", root.Element(Orders + "total")!.Value);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?><order id=\"7\" xmlns=\"urn:example:orders\">", text, StringComparison.Ordinal);
        Assert.Contains("<n:note xmlns:n=\"urn:example:notes\">fast</n:note>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToBytes_MarkupInTextAndAttributes_IsEscaped()
    {
        var text = Encoding.UTF8.GetString(XmlBodyWriter.ToBytes(XmlOrders.Order, JsonElement.Parse(XmlOrders.OrderJson)));

        Assert.Contains("<customer>Ann &amp; Co &lt;ltd&gt; \"quoted\"</customer>", text, StringComparison.Ordinal);
        Assert.Contains("sku=\"B&quot;2\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToBytes_ValueThatLooksLikeADoctypeOrEntity_StaysText()
    {
        var body = JsonElement.Parse("""{"customer":"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;"}""");

        var bytes = XmlBodyWriter.ToBytes(XmlOrders.Order, body);

        var text = Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain("<!DOCTYPE", text, StringComparison.Ordinal);
        Assert.Contains("&lt;!DOCTYPE x [&lt;!ENTITY e SYSTEM 'file:///etc/passwd'&gt;]&gt;&amp;e;", text, StringComparison.Ordinal);
        Assert.Equal("<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;", Parse(bytes).Root!.Element(Orders + "customer")!.Value);
    }

    [Fact]
    public void Write_CharacterXmlCannotCarry_IsRefusedWithAReason()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/");

        var error = XmlBodyWriter.Write(request, "application/xml", XmlOrders.Order, JsonElement.Parse("""{"customer":"bell\u0007"}"""));

        Assert.NotNull(error);
        Assert.StartsWith("the request body cannot be written as XML", error, StringComparison.Ordinal);
        Assert.Null(request.Content);
    }

    [Fact]
    public void ToBytes_PropertiesTheMappingDoesNotDescribe_AreElementsOfTheirJsonNames()
    {
        var mapping = new XmlMapping { Name = "root" };

        var bytes = XmlBodyWriter.ToBytes(mapping, JsonElement.Parse("""{"plain":"a","two words":1,"list":[1,2],"nested":{"x":null,"y":false}}"""));

        var root = Parse(bytes).Root!;
        Assert.Equal("a", root.Element("plain")!.Value);
        Assert.Equal("1", root.Element(XmlConvert.EncodeLocalName("two words"))!.Value);
        Assert.Equal(["1", "2"], root.Elements("list").Select(e => e.Value));
        Assert.Null(root.Element("nested")!.Element("x"));
        Assert.Equal("false", root.Element("nested")!.Element("y")!.Value);
    }

    [Fact]
    public void ToBytes_ArrayBody_IsWrappedInTheRootElement()
    {
        var mapping = new XmlMapping { Name = "orders", Type = "array", Items = new XmlMapping { Name = "order", Type = "object" } };

        var root = Parse(XmlBodyWriter.ToBytes(mapping, JsonElement.Parse("""[{"customer":"A"},{"customer":"B"}]"""))).Root!;

        Assert.Equal("orders", root.Name.LocalName);
        Assert.Equal(["A", "B"], root.Elements("order").Select(o => o.Element("customer")!.Value));
    }

    [Fact]
    public void Write_SetsTheMediaTypeWithUtf8()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/");

        Assert.Null(XmlBodyWriter.Write(request, "application/vnd.orders+xml", XmlOrders.Order, JsonElement.Parse("""{"customer":"Ann"}""")));

        Assert.Equal("application/vnd.orders+xml", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", request.Content.Headers.ContentType.CharSet);
    }
}
