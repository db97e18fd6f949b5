using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry.Tests.Support;

/// <summary>Small OpenAPI documents for store, overlay and API tests.</summary>
internal static class Specs
{
    /// <summary>A dealer API: get_dealers (query region required, limit), create_dealer (POST, body), and optionally delete_dealer.</summary>
    public static string Dealers(string listSummary = "List dealers", bool withDelete = true, bool withExtra = false)
        => DealersTemplate.Replace("@SUMMARY", listSummary, StringComparison.Ordinal)
            .Replace("@DELETE", withDelete ? DeletePath : string.Empty, StringComparison.Ordinal)
            .Replace("@EXTRA", withExtra ? ExtraPath : string.Empty, StringComparison.Ordinal);

    private const string DealersTemplate = """
        openapi: 3.0.3
        info: {title: Dealers, version: "1.0"}
        paths:
          /v1/dealers:
            get:
              operationId: getDealers
              summary: @SUMMARY
              parameters:
                - {name: region, in: query, required: true, schema: {type: string}, description: Sales region}
                - {name: limit, in: query, schema: {type: integer}, description: Most dealers returned}
              responses: {'200': {description: ok}}
            post:
              operationId: createDealer
              summary: Create a dealer
              parameters:
                - {name: Idempotency-Key, in: header, schema: {type: string}, description: Retry key}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {type: object, required: [name], properties: {name: {type: string, description: Dealer name}}}
              responses: {'201': {description: created}}
        @DELETE
        @EXTRA
        """;

    private const string DeletePath = """
          /v1/dealers/{id}:
            delete:
              operationId: deleteDealer
              summary: Delete a dealer
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}, description: Dealer id}
              responses: {'204': {description: gone}}
        """;

    private const string ExtraPath = """
          /v1/regions:
            get:
              operationId: getRegions
              summary: List regions
              responses: {'200': {description: ok}}
        """;

    public static IReadOnlyList<ToolDefinition> Compile(string text, string source = "dealers")
    {
        var compilation = new OpenApiToolCompiler().Compile(text, source);
        Assert.True(compilation.Succeeded, string.Join("; ", compilation.Diagnostics.Select(d => d.Message)));
        return compilation.Tools;
    }

    /// <summary>A JSON document with <paramref name="count"/> GET operations.</summary>
    public static string ManyOperations(int count)
    {
        var sb = new System.Text.StringBuilder("{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"many\",\"version\":\"1\"},\"paths\":{");
        for (var i = 0; i < count; i++)
        {
            sb.Append(i == 0 ? string.Empty : ",").Append("\"/r").Append(i).Append("\":{\"get\":{\"operationId\":\"op").Append(i).Append("\",\"responses\":{\"200\":{\"description\":\"ok\"}}}}");
        }

        return sb.Append("}}").ToString();
    }
}
