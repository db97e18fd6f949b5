using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Curation;
using Msil.Mcp.Registry.Store;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Curation;

public sealed class OverlayApplierTests
{
    private static readonly ToolDefinition GetDealers = Specs.Compile(Specs.Dealers()).Single(t => t.Name == "get_dealers");

    [Fact]
    public void Apply_NoOverride_ServesCompiledAtStoredVersion()
    {
        var served = OverlayApplier.Apply(Stored(null, version: 3))!;

        Assert.Equal("3.0.0", served.Version);
        Assert.Equal(GetDealers.ContentHash, served.ContentHash);
        Assert.Empty(served.FixedArguments);
    }

    [Fact]
    public void Apply_Disabled_ServesNothing()
        => Assert.Null(OverlayApplier.Apply(Stored("""{"enabled":false}""")));

    [Fact]
    public void Apply_HiddenParameter_LeavesSchemaAndBinding()
    {
        var served = OverlayApplier.Apply(Stored("""{"hidden_parameters":["limit"]}"""))!;

        Assert.False(served.InputSchema.GetProperty("properties").TryGetProperty("limit", out _));
        Assert.True(served.InputSchema.GetProperty("properties").TryGetProperty("region", out _));
        Assert.DoesNotContain(served.Http!.Parameters, p => p.Argument == "limit");
        Assert.NotEqual(GetDealers.ContentHash, served.ContentHash);
    }

    [Fact]
    public void Apply_FixedParameter_LeavesSchemaAndRequiredKeepsBindingAndFixesValue()
    {
        var served = OverlayApplier.Apply(Stored("""{"fixed_parameters":{"region":"north"}}"""))!;

        Assert.False(served.InputSchema.GetProperty("properties").TryGetProperty("region", out _));
        Assert.False(served.InputSchema.TryGetProperty("required", out var required) && required.EnumerateArray().Any(r => r.GetString() == "region"));
        Assert.Contains(served.Http!.Parameters, p => p.Argument == "region");
        Assert.Equal("north", served.FixedArguments["region"].GetString());
    }

    [Fact]
    public void Apply_NameTitleDescriptionRisk_AreReplaced()
    {
        var served = OverlayApplier.Apply(Stored("""{"name":"find_dealers","title":"Find","description":"Curated","risk_level":"privileged"}"""))!;

        Assert.Equal(("find_dealers", "Find", "Curated", RiskLevel.Privileged), (served.Name, served.Title, served.Description, served.RiskLevel));
    }

    [Fact]
    public void Check_UnknownOrRequiredHiddenParameter_IsNamed()
    {
        var value = Parse("""{"hidden_parameters":["region","nope"]}""");

        var errors = OverlayApplier.Check(value, GetDealers);

        Assert.Contains(errors, e => e.Contains("'nope' is not an argument", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'region' is required", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"risk_level":"extreme"}""", "risk_level")]
    [InlineData("""{"name":"has space"}""", "name")]
    [InlineData("""{"colour":"red"}""", "unknown field 'colour'")]
    [InlineData("""{"hidden_parameters":"region"}""", "hidden_parameters")]
    public void Parse_BadField_IsNamed(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);

        var (value, errors) = ToolOverride.Parse(document.RootElement);

        Assert.Null(value);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    private static ToolOverride Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ToolOverride.Parse(document.RootElement).Value!;
    }

    private static StoredTool Stored(string? overrideJson, int version = 1)
        => new("get_dealers", "openapi:dealers", version, version, false, false, GetDealers, overrideJson is null ? null : Parse(overrideJson));
}
