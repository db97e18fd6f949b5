using System.Text.Json.Nodes;
using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry.Tests.OpenApi;

public sealed class TypedConstTests
{
    [Fact]
    public void Annotate_ConstOfEveryTypeButString_MovesItIntoTheExtension()
    {
        var root = JsonNode.Parse("""
            {"components":{"schemas":{"A":{"properties":{
              "t":{"const":true},"n":{"const":1.5},"z":{"const":null},"o":{"const":{"a":1}},"l":{"const":[1]},"s":{"const":"True"}}}}}}
            """)!;

        var moved = TypedConst.Annotate(root);

        Assert.Equal(5, moved);
        var properties = root["components"]!["schemas"]!["A"]!["properties"]!;
        Assert.Equal("[true]", properties["t"]![TypedConst.Extension]!.ToJsonString());
        Assert.Equal("[1.5]", properties["n"]![TypedConst.Extension]!.ToJsonString());
        Assert.Equal("[]", properties["z"]![TypedConst.Extension]!.ToJsonString());
        Assert.Equal("[{\"a\":1}]", properties["o"]![TypedConst.Extension]!.ToJsonString());
        Assert.Equal("[[1]]", properties["l"]![TypedConst.Extension]!.ToJsonString());
        Assert.False(properties["t"]!.AsObject().ContainsKey("const"));
        Assert.Equal("True", properties["s"]!["const"]!.GetValue<string>());
        Assert.False(properties["s"]!.AsObject().ContainsKey(TypedConst.Extension));
    }

    [Fact]
    public void Annotate_MembersNamedConstAndExampleData_AreLeftAlone()
    {
        var root = JsonNode.Parse("""
            {"paths":{"/a":{"get":{"parameters":[{"name":"const","in":"query","schema":{"type":"integer","const":3}}],
              "responses":{"200":{"description":"ok","content":{"application/json":{
                "schema":{"type":"object","properties":{"const":{"type":"object","properties":{"const":{"type":"boolean"}}}}},
                "example":{"const":true},
                "examples":{"one":{"value":{"const":false}}}}}}}}}},
             "components":{"schemas":{"const":{"type":"object"}},"parameters":{"const":{"name":"c","in":"query"}},"examples":{"x":{"value":{"const":1}}}},
             "x-data":{"const":1}}
            """)!;

        var moved = TypedConst.Annotate(root);

        Assert.Equal(1, moved);
        Assert.Equal("[3]", root["paths"]!["/a"]!["get"]!["parameters"]![0]!["schema"]![TypedConst.Extension]!.ToJsonString());
        var media = root["paths"]!["/a"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!;
        Assert.Equal("{\"type\":\"boolean\"}", media["schema"]!["properties"]!["const"]!["properties"]!["const"]!.ToJsonString());
        Assert.Equal("{\"const\":true}", media["example"]!.ToJsonString());
        Assert.Equal("{\"const\":false}", media["examples"]!["one"]!["value"]!.ToJsonString());
        Assert.Equal("{\"type\":\"object\"}", root["components"]!["schemas"]!["const"]!.ToJsonString());
        Assert.Equal("{\"name\":\"c\",\"in\":\"query\"}", root["components"]!["parameters"]!["const"]!.ToJsonString());
        Assert.Equal("{\"const\":1}", root["components"]!["examples"]!["x"]!["value"]!.ToJsonString());
        Assert.Equal("{\"const\":1}", root["x-data"]!.ToJsonString());
    }
}
