using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry.Tests.OpenApi;

/// <summary>The seed's JSON shape of a compiled tool (<see cref="OpenApiToolJson"/>).</summary>
public sealed class OpenApiToolJsonTests
{
    private const string Spec = """
        openapi: 3.0.3
        info: {title: Shop, version: "1"}
        paths:
          /orders:
            get:
              operationId: listOrders
              description: Lists orders.
              parameters:
                - {name: status, in: query, schema: {type: string}}
                - {name: limit, in: query, schema: {type: integer}}
              responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}}
        """;

    [Fact]
    public void ToJson_CompiledTool_SeedFieldsAndSchemas()
    {
        var tool = Assert.Single(new OpenApiToolCompiler().Compile(Spec, "shop").Tools);

        var json = OpenApiToolJson.ToJson(tool, "shop.yaml");

        Assert.Equal(
            ["name", "title", "description", "risk_level", "domain", "idempotent", "content_hash", "input_schema", "output_schema", "api_endpoint", "http_method", "query_params", "source_spec"],
            json.Select(p => p.Key));
        Assert.Equal("list_orders", (string?)json["name"]);
        Assert.Equal("read", (string?)json["risk_level"]);
        Assert.Equal(tool.ContentHash, (string?)json["content_hash"]);
        Assert.Equal("/orders", (string?)json["api_endpoint"]);
        Assert.Equal("GET", (string?)json["http_method"]);
        Assert.Equal(["status", "limit"], json["query_params"]!.AsArray().Select(n => (string?)n));
        Assert.Equal("shop.yaml", (string?)json["source_spec"]);
        Assert.Equal("object", (string?)json["input_schema"]!["type"]);
        Assert.NotNull(json["input_schema"]!["properties"]!["status"]);
    }

    [Fact]
    public void ToJson_Null_Throws() => Assert.Throws<ArgumentNullException>(() => OpenApiToolJson.ToJson(null!, null));
}
