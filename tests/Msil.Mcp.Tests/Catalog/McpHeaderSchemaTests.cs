using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.CustomHeaders;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Catalog;

/// <summary>x-mcp-header declarations (SEP-2243) on governed tools: which are accepted, and how a bad one is refused.</summary>
public sealed class McpHeaderSchemaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonElement Schema(string properties) => JsonDocument.Parse("""{"type":"object","properties":""" + properties + "}").RootElement.Clone();

    [Fact]
    public void Read_TopLevelPrimitives_ReturnsEveryDeclaration()
    {
        var headers = McpHeaderSchema.Read("t", Schema("""
            {"region":{"type":"string","x-mcp-header":"Region"},
             "priority":{"type":"integer","x-mcp-header":"Priority"},
             "verbose":{"type":["boolean","null"],"x-mcp-header":"X_Verbose.1"},
             "query":{"type":"string"}}
            """), out var problem);

        Assert.Null(problem);
        Assert.Equal(
            [new McpHeaderDeclaration("region", "Region"), new McpHeaderDeclaration("priority", "Priority"), new McpHeaderDeclaration("verbose", "X_Verbose.1")],
            headers);
    }

    [Fact]
    public void Read_NoProperties_ReturnsNone()
    {
        Assert.Empty(McpHeaderSchema.Read("t", JsonDocument.Parse("""{"type":"object"}""").RootElement, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("""{"region":{"type":"string","x-mcp-header":"My Region"}}""", "region", "' '")]
    [InlineData("""{"region":{"type":"string","x-mcp-header":"Region:Primary"}}""", "region", "':'")]
    [InlineData("""{"region":{"type":"string","x-mcp-header":"Région"}}""", "region", "U+00E9")]
    [InlineData("""{"region":{"type":"string","x-mcp-header":""}}""", "region", "empty")]
    [InlineData("""{"region":{"type":"string","x-mcp-header":42}}""", "region", "not a string")]
    [InlineData("""{"score":{"type":"number","x-mcp-header":"Score"}}""", "score", "\"number\"")]
    [InlineData("""{"data":{"type":"object","x-mcp-header":"Data"}}""", "data", "\"object\"")]
    [InlineData("""{"items":{"type":"array","items":{"type":"string"},"x-mcp-header":"Items"}}""", "items", "\"array\"")]
    [InlineData("""{"nil":{"type":"null","x-mcp-header":"Nil"}}""", "nil", "\"null\"")]
    [InlineData("""{"any":{"x-mcp-header":"Any"}}""", "any", "not declared")]
    [InlineData("""{"a":{"type":"string","x-mcp-header":"MyField"},"b":{"type":"string","x-mcp-header":"myfield"}}""", "b", "already declared by property 'a'")]
    [InlineData("""{"address":{"type":"object","properties":{"city":{"type":"string","x-mcp-header":"City"}}}}""", "address.city", "top-level")]
    [InlineData("""{"tags":{"type":"array","items":{"type":"string","x-mcp-header":"Tag"}}}""", "tags[items]", "top-level")]
    public void Read_InvalidDeclaration_NamesToolPropertyProblemAndFix(string properties, string property, string expected)
    {
        var headers = McpHeaderSchema.Read("lookup", Schema(properties), out var problem);

        Assert.Empty(headers);
        Assert.NotNull(problem);
        Assert.Contains("Tool 'lookup'", problem, StringComparison.Ordinal);
        Assert.Contains($"property '{property}'", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.Contains("Fix:", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ValidDeclaration_KeepsItInTheProtocolToolAndListsTheHeader()
    {
        var compiled = CompiledTool.Compile(Tools.Define("lookup", RiskLevel.Read, """{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}}"""));

        Assert.Equal([new McpHeaderDeclaration("region", "Region")], compiled.Headers);
        Assert.Equal("Region", compiled.ProtocolTool.InputSchema.GetProperty("properties").GetProperty("region").GetProperty("x-mcp-header").GetString());
    }

    [Fact]
    public void Compile_InvalidDeclaration_ThrowsArgumentExceptionNamingTheTool()
    {
        var ex = Assert.Throws<ArgumentException>(() => CompiledTool.Compile(
            Tools.Define("lookup", RiskLevel.Read, """{"type":"object","properties":{"score":{"type":"number","x-mcp-header":"Score"}}}""")));

        Assert.Contains("Tool 'lookup', property 'score'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_CodeRegisteredToolWithInvalidDeclaration_RefusesToStartNamingToolAndProperty()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(mcp => mcp.AddTools("seed",
        [
            Tools.Define("good", RiskLevel.Read),
            Tools.Define("bad", RiskLevel.Read, """{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"My Region"}}}"""),
        ])));

        Assert.Contains("Tool 'bad' from source 'seed'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("property 'region'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Fix:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplaceSource_AtRunTimeWithInvalidDeclaration_LeavesThatToolOutAndServesTheOthers()
    {
        await using var host = await TestHost.StartAsync(mcp => mcp.AddTools("seed", [Tools.Define("first", RiskLevel.Read)]));
        await using var client = await host.ConnectAsync("bob", "viewer");

        // A catalog source other than code (the registry, a custom IToolCatalog) never stops the server: the bad tool is
        // logged and left out of tools/list, the rest is served.
        host.Services.GetRequiredService<IToolCatalogWriter>().ReplaceSource("runtime",
        [
            Tools.Define("bad", RiskLevel.Read, """{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"X"},"b":{"type":"string","x-mcp-header":"x"}}}"""),
            Tools.Define("second", RiskLevel.Read, """{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}}"""),
        ]);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Equal(["first", "second"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
    }
}
