using Msil.Mcp.Abstractions;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Catalog;

/// <summary>
/// An input schema the validator cannot enforce as written (a keyword value of the wrong shape, a reference out of the
/// document): a tool added in code stops the host; a tool from any other catalog source is left out and logged.
/// </summary>
public sealed class ToolCatalogSeederTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{"type":"object","properties":{"region":{"type":"strin"}}}""", "'type' at '#/properties/region/type'")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"https://example.com/other.json"}}}""", "'$ref' at '#/properties/a/$ref'")]
    [InlineData("""{"type":"object","maxProperties":"3"}""", "'maxProperties' at '#/maxProperties'")]
    public async Task Start_CodeRegisteredToolWithARefusedSchema_RefusesToStartNamingToolPathAndKeyword(string schema, string expected)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(mcp => mcp.AddTools("seed",
        [
            Tools.Define("good", RiskLevel.Read),
            Tools.Define("bad", RiskLevel.Read, schema),
        ])));

        Assert.Contains("Tool 'bad' from source 'seed'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplaceSource_AtRunTimeWithARefusedSchema_LeavesThatToolOutAndServesTheOthers()
    {
        await using var host = await TestHost.StartAsync(mcp => mcp.AddTools("seed", [Tools.Define("first", RiskLevel.Read)]));
        await using var client = await host.ConnectAsync("bob", "viewer");

        host.Services.GetRequiredService<IToolCatalogWriter>().ReplaceSource("registry",
        [
            Tools.Define("bad", RiskLevel.Read, """{"type":"object","properties":{"n":{"type":"integer","minimum":"1"}}}"""),
            Tools.Define("second", RiskLevel.Read, """{"type":"object","properties":{"n":{"type":"integer","minimum":1}},"unevaluatedProperties":false}"""),
        ]);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Equal(["first", "second"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
    }
}
