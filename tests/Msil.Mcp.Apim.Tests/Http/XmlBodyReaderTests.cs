using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Http;

namespace Msil.Mcp.Apim.Tests.Http;

/// <summary>XML to JSON by the OpenAPI <c>xml</c> objects, and the parser's refusals (DTDs, entities, depth).</summary>
public sealed class XmlBodyReaderTests
{
    private const long Cap = 1024 * 1024;

    private static (JsonElement? Json, string? Problem) Read(string xml, XmlMapping mapping) => XmlBodyReader.Read(Encoding.UTF8.GetBytes(xml), mapping, Cap);

    [Fact]
    public void Read_OrderDocument_MapsBackWithTypes()
    {
        var (json, problem) = Read("""
            <?xml version="1.0"?>
            <o:order xmlns:o="urn:example:orders" xmlns:n="urn:example:notes" id="7">
              <o:customer>Ann &amp; Co</o:customer>
              <n:note>fast</n:note>
              <o:priority>1</o:priority>
              <o:lines><o:line sku="A-1"><o:quantity>2</o:quantity></o:line><o:line sku="B-2"><o:quantity>1</o:quantity></o:line></o:lines>
              <o:tag>red</o:tag><o:tag>blue</o:tag>
              <o:total>12.50</o:total>
              <o:extra>unmapped</o:extra>
            </o:order>
            """, XmlOrders.Order);

        Assert.Null(problem);
        Assert.True(JsonElement.DeepEquals(JsonElement.Parse("""
            {"id":7,"customer":"Ann & Co","note":"fast","priority":true,
             "lines":[{"sku":"A-1","quantity":2},{"sku":"B-2","quantity":1}],"tags":["red","blue"],"total":12.50,
             "extra":"unmapped"}
            """), json!.Value), json!.Value.GetRawText());
    }

    [Fact]
    public void Read_WhatTheWriterWrote_GivesTheSameJson()
    {
        var original = JsonElement.Parse(XmlOrders.OrderJson);

        var (json, problem) = XmlBodyReader.Read(XmlBodyWriter.ToBytes(XmlOrders.Order, original), XmlOrders.Order, Cap);

        Assert.Null(problem);
        Assert.True(JsonElement.DeepEquals(original, json!.Value), json!.Value.GetRawText());
    }

    [Fact]
    public void Read_BillionLaughs_IsRefusedWithoutExpanding()
    {
        var lol = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (var i = 1; i <= 9; i++)
        {
            lol.Append("<!ENTITY lol").Append(i).Append(" \"").Append(string.Concat(Enumerable.Repeat($"&lol{(i == 1 ? string.Empty : (i - 1).ToString(System.Globalization.CultureInfo.InvariantCulture))};", 10))).Append("\">");
        }

        lol.Append("]><order><customer>&lol9;</customer></order>");

        var (json, problem) = Read(lol.ToString(), XmlOrders.Order);

        Assert.Null(json);
        Assert.Contains("DTD", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExternalEntity_IsRefused()
    {
        var (json, problem) = Read("""<?xml version="1.0"?><!DOCTYPE order [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><order><customer>&xxe;</customer></order>""", XmlOrders.Order);

        Assert.Null(json);
        Assert.Contains("DTD", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DocumentLargerThanTheCap_IsRefused()
    {
        var big = "<order><customer>" + new string('x', 5000) + "</customer></order>";

        var (json, problem) = XmlBodyReader.Read(Encoding.UTF8.GetBytes(big), XmlOrders.Order, maxCharacters: 1000);

        Assert.Null(json);
        Assert.NotNull(problem);
    }

    [Fact]
    public void Read_NestedDeeperThanTheLimit_IsRefused()
    {
        var deep = string.Concat(Enumerable.Repeat("<a>", XmlBodyReader.MaxDepth + 2)) + string.Concat(Enumerable.Repeat("</a>", XmlBodyReader.MaxDepth + 2));

        var (json, problem) = Read(deep, new XmlMapping { Name = "a" });

        Assert.Null(json);
        Assert.Contains("deeper", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NumberThatDoesNotParse_StaysAString()
    {
        var (json, _) = Read("<order id=\"seven\"><total>n/a</total></order>", XmlOrders.Order);

        Assert.Equal("seven", json!.Value.GetProperty("id").GetString());
        Assert.Equal("n/a", json.Value.GetProperty("total").GetString());
    }

    [Fact]
    public void Read_ArrayRoot_IsWrappedInItems()
    {
        var mapping = new XmlMapping { Name = "orders", Type = "array", Wrapped = true, Items = XmlOrders.Order };

        var (json, problem) = Read("<orders><order id=\"1\"/><order id=\"2\"><customer>B</customer></order></orders>", mapping);

        Assert.Null(problem);
        Assert.Equal("""{"items":[{"id":1},{"id":2,"customer":"B"}]}""", json!.Value.GetRawText());
    }
}
