using System.Buffers;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Http;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests.Http;

/// <summary>
/// The response side of the executor (the shaper, through the real executor and a loopback backend): a whole JSON object
/// or array body in UTF-8 with no output schema becomes a result made from its bytes, whose text and structured content
/// are what the decode and parse give; every other body is decoded and parsed as before; the bytes are the result's own.
/// </summary>
public sealed class ResponseShaperTests
{
    private const string Body = """{"id":"V001","name":"Crée « é » <b>&</b> 😀","escaped":"\u00e9\u2028\ud83d\ude00","n":[1.50,-0,1E+2]}""";

    private static ToolDefinition Get => ApimHarness.Tool("get_vehicle", "GET", "/v1/vehicle");

    [Theory]
    [InlineData(Body)]
    [InlineData("""[{"a":1},"b",[]]""")]
    [InlineData("{}")]
    public async Task Shape_JsonObjectOrArrayBody_ResultMadeFromTheBytesWithTheSameTextAndStructuredContent(string body)
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json(body);
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(Get);

        Assert.False(result.IsError);
        Assert.True(result.Utf8Json.Span.SequenceEqual(Encoding.UTF8.GetBytes(body)));
        Assert.Equal(body, result.Text);
        var expected = body[0] == '[' ? JsonElement.Parse("{\"items\":" + body + "}") : JsonElement.Parse(body);
        Assert.True(JsonElement.DeepEquals(expected, result.StructuredContent!.Value));
        Assert.Equal(200, result.BackendStatus);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), result.Size);
    }

    [Fact]
    public async Task Shape_JsonBody_TheResultsBytesAreNotThePooledBuffer()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json(Body);
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var result = await harness.CallAsync(Get);

        // The executor gave its read buffer back to the shared pool: take buffers of every size up to the body's and overwrite them.
        var taken = new List<byte[]>();
        for (var size = 16; size <= 64 * 1024; size *= 2)
        {
            for (var i = 0; i < 4; i++)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(size);
                buffer.AsSpan().Fill((byte)'x');
                taken.Add(buffer);
            }
        }

        Assert.True(result.Utf8Json.Span.SequenceEqual(Encoding.UTF8.GetBytes(Body)));
        Assert.Equal(Body, result.Text);
        Assert.Equal("V001", result.StructuredContent!.Value.GetProperty("id").GetString());
        foreach (var buffer in taken)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [Fact]
    public async Task Shape_BodiesNotMadeFromBytes_DecodedAndParsedAsBefore()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        var typed = ApimHarness.Tool("typed", "GET", "/v1/typed", outputSchema: """{"type":"object","required":["id"],"properties":{"id":{"type":"string"},"n":{"type":"string"}}}""");
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.MaxResponseBytes = 1024;
        });

        backend.Default = Reply.Json("""{"id":"V001","n":3}""");
        var schema = await harness.CallAsync(typed);
        backend.Default = new Reply { BodyBytes = [.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8] };
        var invalid = await harness.CallAsync(Get);
        backend.Default = new Reply { BodyBytes = Encoding.Latin1.GetBytes("{\"a\":\"é\"}"), ContentType = "application/json; charset=iso-8859-1" };
        var latin1 = await harness.CallAsync(Get);
        backend.Default = Reply.Json("{\"long\":\"" + new string('x', 2000) + "\"}");
        var cut = await harness.CallAsync(Get);
        backend.Default = Reply.Json("42");
        var scalar = await harness.CallAsync(Get);
        backend.Default = Reply.Json("""{"title":"Conflict"}""", 409);
        var error = await harness.CallAsync(Get);

        Assert.True(schema.Utf8Json.IsEmpty, "schema");
        Assert.True(invalid.Utf8Json.IsEmpty, "invalid");
        Assert.True(latin1.Utf8Json.IsEmpty, "latin1");
        Assert.True(cut.Utf8Json.IsEmpty, "cut");
        Assert.True(scalar.Utf8Json.IsEmpty, "scalar");
        Assert.True(error.Utf8Json.IsEmpty, "error");
        Assert.Null(schema.StructuredContent);
        Assert.Contains("does not match the tool's output schema", schema.Text, StringComparison.Ordinal);
        Assert.Equal("{\"a\":\"\uFFFD(\"}", invalid.Text);
        Assert.Equal("{\"a\":\"é\"}", latin1.Text);
        Assert.Equal("é", latin1.StructuredContent!.Value.GetProperty("a").GetString());
        Assert.Equal("\uFFFD(", invalid.StructuredContent!.Value.GetProperty("a").GetString());
        Assert.Null(cut.StructuredContent);
        Assert.Contains("[Response cut at 1024 bytes", cut.Text, StringComparison.Ordinal);
        Assert.Null(scalar.StructuredContent);
        Assert.Equal("42", scalar.Text);
        Assert.True(error.IsError);
    }

    private const string Schema = """{"type":"object","required":["id","n"],"properties":{"id":{"type":"string"},"n":{"type":["integer","null"]},"o":{"type":"object"},"l":{"type":"array"},"f":{"type":"number"},"b":{"type":"boolean"}}}""";

    [Theory]
    [InlineData("""{"id":"a","n":1}""")]
    [InlineData("""{"id":"a","n":null,"o":{},"l":[1,[2]],"f":1.5,"b":true,"x":{"id":1}}""")]
    [InlineData("""{"id":"a","n":1.0}""")]
    [InlineData("""{"id":"a","n":1.5}""")]
    [InlineData("""{"id":"a","n":1e2}""")]
    [InlineData("""{"id":"a"}""")]
    [InlineData("""{"\u0069d":"a","n":2}""")]
    [InlineData("""{"id":1,"n":2}""")]
    [InlineData("""{"id":"a","n":2,"n":"late"}""")]
    [InlineData("""{"id":"a","n":"early","n":2}""")]
    [InlineData("""{"id":"a","n":2,"o":[]}""")]
    [InlineData("""{"id":"a","n":2,"b":0}""")]
    [InlineData("""{"id":"a","n":2,"f":7}""")]
    [InlineData("""[{"id":"a","n":2}]""")]
    [InlineData("""{"id":"a","n":2""")]
    public void Conforms_ObjectRead_SameAsTheCheckOfItsParse(string json)
    {
        var check = OutputCheck.Compile(JsonElement.Parse(Schema))!;
        var bytes = Encoding.UTF8.GetBytes(json);
        bool parsedConforms;
        try
        {
            parsedConforms = check.Check(JsonElement.Parse(bytes)) is null;
        }
        catch (JsonException)
        {
            parsedConforms = false;
        }

        Assert.Equal(parsedConforms, check.Conforms(bytes));
    }

    [Fact]
    public async Task Shape_ObjectPassingTheOutputSchema_ResultMadeFromTheBytes()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json(Body);
        var typed = ApimHarness.Tool("typed", "GET", "/v1/typed", outputSchema: """{"type":"object","required":["id"],"properties":{"id":{"type":"string"},"n":{"type":"array"}}}""");
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(typed);

        Assert.False(result.Utf8Json.IsEmpty);
        Assert.Equal(Body, result.Text);
        Assert.True(JsonElement.DeepEquals(JsonElement.Parse(Body), result.StructuredContent!.Value));
    }
}
