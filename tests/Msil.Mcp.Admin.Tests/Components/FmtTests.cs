using System.Text.Json;
using Msil.Mcp.Admin.Components.Shared;

namespace Msil.Mcp.Admin.Tests.Components;

public sealed class FmtTests
{
    [Fact]
    public void Json_StoredRecordWithEscapes_ShowsCharactersAsThemselvesIndented()
    {
        using var record = JsonDocument.Parse("""{"user":"ren\u00E9e","arguments":{"vin":"ZXi\u002B","note":"x\u202Ey"}}""");

        var shown = Fmt.Json(record.RootElement);

        Assert.Equal(
            "{\n  \"user\": \"renée\",\n  \"arguments\": {\n    \"vin\": \"ZXi+\",\n    \"note\": \"x\\u202Ey\"\n  }\n}",
            shown);
    }

    [Fact]
    public void Json_NoValue_ShowsNull()
    {
        Assert.Equal("null", Fmt.Json(null));
        Assert.Equal("null", Fmt.Json(default(JsonElement)));
    }
}
