using System.Text.Json;
using Msil.Mcp.Chat.Forms;

namespace Msil.Mcp.Chat.Tests.Forms;

public sealed class SchemaFormModelTests
{
    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void Fields_EveryScalarKindArrayAndNestedObject_MappedToTheirEditors()
    {
        var fields = SchemaFormModel.Fields(Parse("""
            {"type":"object","properties":{
              "s":{"type":"string"},"n":{"type":"number"},"i":{"type":["integer","null"]},"b":{"type":"boolean"},
              "e":{"type":"string","enum":["a","b"]},"a":{"type":"array","items":{"type":"integer"}},
              "o":{"type":"object"},"ao":{"type":"array","items":{"type":"object"}}},"required":["s"]}
            """));

        Assert.Equal(
            [("s", SchemaFieldKind.String), ("n", SchemaFieldKind.Number), ("i", SchemaFieldKind.Integer), ("b", SchemaFieldKind.Boolean),
             ("e", SchemaFieldKind.Enum), ("a", SchemaFieldKind.Array), ("o", SchemaFieldKind.Json), ("ao", SchemaFieldKind.Json)],
            fields.Select(f => (f.Name, f.Kind)));
        Assert.Equal(SchemaFieldKind.Integer, fields.Single(f => f.Name == "a").ItemKind);
        Assert.True(fields.Single(f => f.Name == "s").Required);
        Assert.False(fields.Single(f => f.Name == "n").Required);
    }

    [Fact]
    public void Fields_LocalRefToDefs_Followed()
    {
        var fields = SchemaFormModel.Fields(Parse("""
            {"type":"object","$defs":{"Status":{"type":"string","enum":["open","closed"],"description":"Enquiry status"}},
             "properties":{"status":{"$ref":"#/$defs/Status"}}}
            """));

        var status = Assert.Single(fields);
        Assert.Equal(SchemaFieldKind.Enum, status.Kind);
        Assert.Equal(["\"open\"", "\"closed\""], status.EnumValues);
        Assert.Equal("Enquiry status", status.Description);
    }

    [Fact]
    public void Build_EmptyOptionalFields_LeftOut()
    {
        var fields = SchemaFormModel.Fields(Parse("""{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}"""));
        fields[0].Value = "x";

        var (arguments, errors) = SchemaFormModel.Build(fields);

        Assert.Empty(errors);
        Assert.Equal(["a"], arguments.Keys);
    }

    [Fact]
    public void Build_ArrayWithABadItemAndBrokenJson_NamesEachField()
    {
        var fields = SchemaFormModel.Fields(Parse("""{"type":"object","properties":{"nums":{"type":"array","items":{"type":"number"}},"o":{"type":"object"}}}"""));
        fields[0].Value = "1.5\nlots\n2";
        fields[1].Value = "{not json";

        var (_, errors) = SchemaFormModel.Build(fields);

        Assert.Equal(2, errors.Count);
        Assert.Contains("'nums': 'lots' is not a valid number.", errors);
        Assert.Contains(errors, e => e.StartsWith("'o' must be valid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public void Fields_NoProperties_NoFields()
    {
        Assert.Empty(SchemaFormModel.Fields(Parse("""{"type":"object"}""")));
    }
}
