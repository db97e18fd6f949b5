using System.Text.Json;
using Msil.Mcp.Apim.Http;

namespace Msil.Mcp.Apim.Tests.Http;

/// <summary><c>application/octet-stream</c> bodies from a base64 argument, within the size cap.</summary>
public sealed class BinaryBodyWriterTests
{
    private static JsonElement String(string value) => JsonSerializer.SerializeToElement(value);

    [Fact]
    public async Task Write_Base64_SendsTheBytes()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1/");

        Assert.Null(BinaryBodyWriter.Write(request, "application/octet-stream", "body", String(Convert.ToBase64String([0, 1, 2, 255]))));

        Assert.Equal([0, 1, 2, 255], await request.Content!.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal("application/octet-stream", request.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData(1025)]
    [InlineData(4000)]
    public void Write_LargerThanTheCap_NamesTheArgumentAndTheLimit(int size)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1/");

        var error = BinaryBodyWriter.Write(request, "application/octet-stream", "attachment", String(Convert.ToBase64String(new byte[size])), maxBytes: 1024);

        Assert.Equal("argument 'attachment' is larger than the limit of 1024 bytes for a binary request body", error);
        Assert.Null(request.Content);
    }

    [Fact]
    public void Write_ExactlyTheCap_IsSent()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1/");

        Assert.Null(BinaryBodyWriter.Write(request, "application/octet-stream", "body", String(Convert.ToBase64String(new byte[1024])), maxBytes: 1024));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("abc")]
    public void Write_NotBase64_IsRefused(string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1/");

        Assert.Equal("argument 'body' is not valid base64", BinaryBodyWriter.Write(request, "application/octet-stream", "body", String(text)));
    }
}
