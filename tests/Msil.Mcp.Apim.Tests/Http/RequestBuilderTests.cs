using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Http;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests.Http;

/// <summary>Request building from a tool's binding: escaping, OpenAPI styles, protected headers and bodies. No network.</summary>
public sealed class RequestBuilderTests
{
    private static readonly Uri Gateway = new("https://apim.example/dealer-api/");

    private static (HttpRequestMessage Request, string? Error) Build(ToolDefinition tool, string arguments, string subscriptionKeyHeader = "Ocp-Apim-Subscription-Key")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, (Uri?)null);
        var args = ApimHarness.Invocation(tool, arguments).Arguments;
        var error = RequestBuilder.Build(request, RequestTemplate.For(tool), Gateway, args, subscriptionKeyHeader);
        return (request, error);
    }

    private static string Target(ToolDefinition tool, string arguments)
    {
        var (request, error) = Build(tool, arguments);
        Assert.Null(error);
        return request.RequestUri!.PathAndQuery;
    }

    private static ToolDefinition PathTool(string? style = null, bool? explode = null)
        => ApimHarness.Tool("p", "GET", "/v1/items/{id}/detail", [new HttpParameterBinding("id", "id", ParameterLocation.Path, style, explode)]);

    private static ToolDefinition QueryTool(string? style = null, bool? explode = null)
        => ApimHarness.Tool("q", "GET", "/v1/items", [new HttpParameterBinding("v", "tag", ParameterLocation.Query, style, explode)]);

    [Theory]
    [InlineData("../admin")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("")]
    public void Build_PathValueThatCouldLeaveItsSegment_IsRefused(string value)
    {
        var (_, error) = Build(PathTool(), JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = value }));

        Assert.NotNull(error);
        Assert.Contains("path parameter 'id'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_PathArrayWithTraversalItem_IsRefused()
    {
        var (_, error) = Build(PathTool(), """{"id":["ok",".."]}""");

        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("a%2Fb", "/dealer-api/v1/items/a%252Fb/detail")]
    [InlineData("%2e%2e", "/dealer-api/v1/items/%252e%252e/detail")]
    [InlineData("a b?c#d", "/dealer-api/v1/items/a%20b%3Fc%23d/detail")]
    [InlineData("D-42", "/dealer-api/v1/items/D-42/detail")]
    public void Build_PathValue_IsEscapedIntoOneSegment(string value, string expected)
        => Assert.Equal(expected, Target(PathTool(), JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = value })));

    [Theory]
    [InlineData(null, null, "/dealer-api/v1/items/1,2/detail")]
    [InlineData("label", null, "/dealer-api/v1/items/.1,2/detail")]
    [InlineData("label", true, "/dealer-api/v1/items/.1.2/detail")]
    [InlineData("matrix", null, "/dealer-api/v1/items/;id=1,2/detail")]
    [InlineData("matrix", true, "/dealer-api/v1/items/;id=1;id=2/detail")]
    public void Build_PathArray_FollowsStyle(string? style, bool? explode, string expected)
        => Assert.Equal(expected, Target(PathTool(style, explode), """{"id":[1,2]}"""));

    [Fact]
    public void Build_PathObjectSimple_IsKeyValueList()
        => Assert.Equal("/dealer-api/v1/items/a,1,b,2/detail", Target(PathTool(), """{"id":{"a":1,"b":2}}"""));

    [Fact]
    public void Build_MissingPathValue_NamesTheVariable()
    {
        var (_, error) = Build(PathTool(), "{}");

        Assert.Equal("the path parameter 'id' has no value", error);
    }

    [Theory]
    [InlineData(null, null, "?tag=a&tag=b%20c")]
    [InlineData("form", false, "?tag=a,b%20c")]
    [InlineData("spaceDelimited", null, "?tag=a%20b%20c")]
    [InlineData("pipeDelimited", null, "?tag=a%7Cb%20c")]
    public void Build_QueryArray_FollowsStyleAndExplode(string? style, bool? explode, string expected)
        => Assert.Equal("/dealer-api/v1/items" + expected, Target(QueryTool(style, explode), """{"v":["a","b c"]}"""));

    [Fact]
    public void Build_QueryDeepObject_UsesBracketedNames()
        => Assert.Equal("/dealer-api/v1/items?tag%5Bcolor%5D=red&tag%5Bsize%5D=L", Target(QueryTool("deepObject"), """{"v":{"color":"red","size":"L"}}"""));

    [Fact]
    public void Build_QueryObjectFormExplode_SpreadsProperties()
        => Assert.Equal("/dealer-api/v1/items?color=red&size=L", Target(QueryTool(), """{"v":{"color":"red","size":"L"}}"""));

    [Fact]
    public void Build_QueryObjectFormNotExploded_IsKeyValueList()
        => Assert.Equal("/dealer-api/v1/items?tag=color,red,size,L", Target(QueryTool("form", false), """{"v":{"color":"red","size":"L"}}"""));

    [Fact]
    public void Build_QueryValueWithReservedCharacters_IsEscaped()
        => Assert.Equal("/dealer-api/v1/items?tag=a%26b%3Dc%2Fd", Target(QueryTool(), """{"v":"a&b=c/d"}"""));

    [Fact]
    public void Build_QueryNullOrAbsent_IsLeftOut()
    {
        Assert.Equal("/dealer-api/v1/items", Target(QueryTool(), """{"v":null}"""));
        Assert.Equal("/dealer-api/v1/items", Target(QueryTool(), "{}"));
    }

    [Fact]
    public void Build_QueryScalars_UseJsonText()
        => Assert.Equal("/dealer-api/v1/items?tag=true", Target(QueryTool(), """{"v":true}"""));

    [Fact]
    public void Build_HeaderParameter_IsSentWithSimpleStyle()
    {
        var tool = ApimHarness.Tool("h", "GET", "/v1/x", [new HttpParameterBinding("region", "X-Region", ParameterLocation.Header)]);

        var (request, error) = Build(tool, """{"region":["north","south"]}""");

        Assert.Null(error);
        Assert.Equal("north,south", string.Join(",", request.Headers.GetValues("X-Region")));
    }

    [Fact]
    public void Build_HeaderValueWithLineBreak_IsRefused()
    {
        var tool = ApimHarness.Tool("h", "GET", "/v1/x", [new HttpParameterBinding("region", "X-Region", ParameterLocation.Header)]);

        var (_, error) = Build(tool, """{"region":"north\r\nX-Admin: yes"}""");

        Assert.Equal("header argument 'region' must not contain line breaks", error);
    }

    [Theory]
    [InlineData("n\u00f6rth")]
    [InlineData("\u65e5\u672c")]
    [InlineData("caf\u00e9 \ud83d\ude00")]
    public void Build_HeaderValueNotAscii_IsRefusedNamingTheArgumentAndTheFix(string value)
    {
        var tool = ApimHarness.Tool("h", "GET", "/v1/x", [new HttpParameterBinding("region", "X-Region", ParameterLocation.Header)]);

        var (request, error) = Build(tool, JsonSerializer.Serialize(new Dictionary<string, string> { ["region"] = value }));

        Assert.NotNull(error);
        Assert.StartsWith("header argument 'region' ", error, StringComparison.Ordinal);
        Assert.Contains("ASCII", error, StringComparison.Ordinal);
        Assert.False(request.Headers.Contains("X-Region"));
    }

    [Theory]
    [InlineData("a\u0001b")]
    [InlineData("a\u001bb")]
    [InlineData("a\u007fb")]
    [InlineData("a\u0000b")]
    [InlineData("a\u000bb")]
    public void Build_HeaderValueWithControlCharacter_IsRefused(string value)
    {
        var tool = ApimHarness.Tool("h", "GET", "/v1/x", [new HttpParameterBinding("region", "X-Region", ParameterLocation.Header)]);

        var (request, error) = Build(tool, JsonSerializer.Serialize(new Dictionary<string, string> { ["region"] = value }));

        Assert.NotNull(error);
        Assert.StartsWith("header argument 'region' ", error, StringComparison.Ordinal);
        Assert.False(request.Headers.Contains("X-Region"));
    }

    [Fact]
    public void Build_HeaderObjectWithNonAsciiKey_IsRefused()
    {
        var tool = ApimHarness.Tool("h", "GET", "/v1/x", [new HttpParameterBinding("meta", "X-Meta", ParameterLocation.Header, Explode: true)]);

        var (_, error) = Build(tool, """{"meta":{"k\u00e9y":"v"}}""");

        Assert.NotNull(error);
        Assert.StartsWith("header argument 'meta' ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("a\nb")]
    [InlineData("a\u007fb")]
    public void Build_PathValueWithControlCharacter_IsRefused(string value)
    {
        var (_, error) = Build(PathTool(), JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = value }));

        Assert.NotNull(error);
        Assert.Contains("path argument 'id' must not contain control characters", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_PathValueWithLoneSurrogate_IsRefused()
    {
        var (_, error) = Build(PathTool(), """{"id":"a\ud800b"}""");

        Assert.NotNull(error);
        Assert.Contains("'id'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_QueryValueWithLoneSurrogate_IsRefused()
    {
        var (_, error) = Build(QueryTool(), """{"v":"a\udc00"}""");

        Assert.NotNull(error);
        Assert.Contains("'v'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_QueryValueWithNul_IsRefused()
    {
        var (_, error) = Build(QueryTool(), """{"v":"a\u0000b"}""");

        Assert.NotNull(error);
        Assert.Contains("query argument 'v'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NonAsciiQueryAndPathValues_ArePercentEncodedUtf8()
        => Assert.Equal("/dealer-api/v1/items?tag=n%C3%B6rth", Target(QueryTool(), """{"v":"n\u00f6rth"}"""));

    [Theory]
    [InlineData("na\"me")]
    [InlineData("na\r\nContent-Type: text/html")]
    public void Build_MultipartFieldNameFromArgumentsThatBreaksItsPartHeader_IsRefused(string name)
    {
        var tool = ApimHarness.Tool("m", "POST", "/v1/x", [new HttpParameterBinding("form", "form", ParameterLocation.WholeBody)], bodyContentType: "multipart/form-data");

        var (_, error) = Build(tool, JsonSerializer.Serialize(new Dictionary<string, object> { ["form"] = new Dictionary<string, string> { [name] = "x" } }));

        Assert.NotNull(error);
        Assert.Contains("'form'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("subscription-key")]
    [InlineData("Subscription-Key")]
    [InlineData("access_token")]
    [InlineData("code")]
    [InlineData("client_secret")]
    [InlineData("api-key")]
    [InlineData("apikey")]
    [InlineData("sig")]
    public void Build_FreeFormQueryObjectWithProtectedKey_IsRefused(string key)
    {
        var (request, error) = Build(QueryTool(), JsonSerializer.Serialize(new Dictionary<string, object> { ["v"] = new Dictionary<string, string> { ["color"] = "red", [key] = "x" } }));

        Assert.NotNull(error);
        Assert.Contains($"query argument 'v' would set the protected query parameter '{key}'", error, StringComparison.Ordinal);
        Assert.Null(request.RequestUri);
    }

    [Fact]
    public void Build_FreeFormQueryObjectWithConfiguredSubscriptionKeyQueryName_IsRefused()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, (Uri?)null);
        var tool = QueryTool();
        var args = ApimHarness.Invocation(tool, """{"v":{"gw-key":"x"}}""").Arguments;

        var error = RequestBuilder.Build(request, RequestTemplate.For(tool), Gateway, args, "Ocp-Apim-Subscription-Key", "gw-key");

        Assert.NotNull(error);
        Assert.Contains("protected query parameter 'gw-key'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_FreeFormQueryObjectWithKeyOfAnotherQueryBinding_IsRefused()
    {
        // A curated tool fixes 'tenant'; a free-form object must not send a second 'tenant' the backend may prefer.
        var tool = ApimHarness.Tool("q", "GET", "/v1/items",
        [
            new HttpParameterBinding("tenant", "tenant", ParameterLocation.Query),
            new HttpParameterBinding("v", "filter", ParameterLocation.Query),
        ]);

        var (_, error) = Build(tool, """{"tenant":"mine","v":{"tenant":"theirs"}}""");

        Assert.NotNull(error);
        Assert.Contains("'tenant'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_FreeFormQueryObjectWithAdditionalPropertiesFalse_SendsOnlyDeclaredKeys()
    {
        var tool = ApimHarness.Tool("q", "GET", "/v1/items", [new HttpParameterBinding("v", "filter", ParameterLocation.Query)],
            inputSchema: """{"type":"object","properties":{"v":{"type":"object","properties":{"color":{"type":"string"}},"additionalProperties":false}}}""");

        var (_, refused) = Build(tool, """{"v":{"color":"red","size":"L"}}""");
        var allowed = Target(tool, """{"v":{"color":"red"}}""");

        Assert.NotNull(refused);
        Assert.Contains("query argument 'v' may not set the query parameter 'size'", refused, StringComparison.Ordinal);
        Assert.Equal("/dealer-api/v1/items?color=red", allowed);
    }

    [Fact]
    public void Build_FreeFormQueryObjectWithAdditionalPropertiesSchema_SendsOtherUnprotectedKeys()
    {
        var tool = ApimHarness.Tool("q", "GET", "/v1/items", [new HttpParameterBinding("v", "filter", ParameterLocation.Query)],
            inputSchema: """{"type":"object","properties":{"v":{"type":"object","properties":{"color":{"type":"string"}},"additionalProperties":{"type":"string"}}}}""");

        Assert.Equal("/dealer-api/v1/items?color=red&size=L", Target(tool, """{"v":{"color":"red","size":"L"}}"""));
        Assert.NotNull(Build(tool, """{"v":{"access_token":"x"}}""").Error);
    }

    [Fact]
    public void Build_DeepObjectWithAdditionalPropertiesFalse_SendsOnlyDeclaredKeys()
    {
        var tool = ApimHarness.Tool("q", "GET", "/v1/items", [new HttpParameterBinding("v", "filter", ParameterLocation.Query, "deepObject")],
            inputSchema: """{"type":"object","properties":{"v":{"type":"object","properties":{"color":{"type":"string"}},"additionalProperties":false}}}""");

        Assert.NotNull(Build(tool, """{"v":{"color":"red","size":"L"}}""").Error);
        Assert.Equal("/dealer-api/v1/items?filter%5Bcolor%5D=red", Target(tool, """{"v":{"color":"red"}}"""));
    }

    [Fact]
    public void Build_DeclaredQueryBindingForTheSubscriptionKey_IsRefusedWhenUsed()
    {
        var tool = ApimHarness.Tool("q", "GET", "/v1/items", [new HttpParameterBinding("k", "subscription-key", ParameterLocation.Query)]);

        Assert.Null(Build(tool, "{}").Error);
        Assert.Contains("protected query parameter 'subscription-key'", Build(tool, """{"k":"x"}""").Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MatrixObjectWithAdditionalPropertiesFalse_SendsOnlyDeclaredKeys()
    {
        var tool = ApimHarness.Tool("p", "GET", "/v1/items/{id}", [new HttpParameterBinding("id", "id", ParameterLocation.Path, "matrix", true)],
            inputSchema: """{"type":"object","properties":{"id":{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}}}""");

        Assert.NotNull(Build(tool, """{"id":{"a":"1","b":"2"}}""").Error);
        Assert.Equal("/dealer-api/v1/items/;a=1", Target(tool, """{"id":{"a":"1"}}"""));
    }

    [Theory]
    [InlineData("Authorization")]
    [InlineData("host")]
    [InlineData("Cookie")]
    [InlineData("Transfer-Encoding")]
    [InlineData("Ocp-Apim-Subscription-Key")]
    [InlineData("X-Forwarded-For")]
    [InlineData("Idempotency-Key")]
    [InlineData("X-MCP-Tool-Name")]
    public void Build_HeaderBindingToProtectedHeader_IsRefused(string header)
    {
        var tool = ApimHarness.Tool("h", "GET", "/v1/x", [new HttpParameterBinding("v", header, ParameterLocation.Header)]);

        var (request, error) = Build(tool, """{"v":"x"}""");

        Assert.NotNull(error);
        Assert.Contains("protected header", error, StringComparison.Ordinal);
        Assert.Empty(request.Headers);
    }

    [Fact]
    public void Build_ProtectedHeaderBindingWithoutValue_DoesNotStopTheCall()
    {
        var tool = ApimHarness.Tool("h", "POST", "/v1/payments", [new HttpParameterBinding("idempotency_key", "Idempotency-Key", ParameterLocation.Header)]);

        var (request, error) = Build(tool, "{}");

        Assert.Null(error);
        Assert.Empty(request.Headers);
    }

    [Fact]
    public void Build_HeaderBindingWithInvalidName_IsRefusedWhenUsed()
    {
        var tool = ApimHarness.Tool("h", "GET", "/v1/x", [new HttpParameterBinding("v", "X Bad", ParameterLocation.Header)]);

        var (_, error) = Build(tool, """{"v":"x"}""");

        Assert.Equal("argument 'v' cannot be sent as header 'X Bad', which is not a valid header name", error);
    }

    [Fact]
    public void Build_CookieParameters_FormOneCookieHeader()
    {
        var tool = ApimHarness.Tool("c", "GET", "/v1/x",
        [
            new HttpParameterBinding("a", "region", ParameterLocation.Cookie),
            new HttpParameterBinding("b", "lang", ParameterLocation.Cookie),
        ]);

        var (request, error) = Build(tool, """{"a":"north east","b":"en"}""");

        Assert.Null(error);
        Assert.Equal("region=north%20east; lang=en", Assert.Single(request.Headers.GetValues("Cookie")));
    }

    [Fact]
    public async Task Build_JsonBodyProperties_FormOneObjectWithWireNames()
    {
        var tool = ApimHarness.Tool("b", "POST", "/v1/bookings",
        [
            new HttpParameterBinding("customer_id", "customerId", ParameterLocation.Body),
            new HttpParameterBinding("slots", "slots", ParameterLocation.Body),
            new HttpParameterBinding("note", "note", ParameterLocation.Body),
        ]);

        var (request, error) = Build(tool, """{"customer_id":"C-1","slots":[1,2]}""");

        Assert.Null(error);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("""{"customerId":"C-1","slots":[1,2]}""", await request.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Build_WholeBody_IsSentAsGivenWithItsJsonMediaType()
    {
        var tool = ApimHarness.Tool("b", "PATCH", "/v1/x", [new HttpParameterBinding("body", "body", ParameterLocation.WholeBody)],
            bodyContentType: "application/merge-patch+json");

        var (request, error) = Build(tool, """{"body":[{"op":"x"}]}""");

        Assert.Null(error);
        Assert.Equal("application/merge-patch+json", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("""[{"op":"x"}]""", await request.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Build_FormBody_IsUrlEncodedWithRepeatedArrayKeys()
    {
        var tool = ApimHarness.Tool("f", "POST", "/v1/x",
        [
            new HttpParameterBinding("name", "name", ParameterLocation.Body),
            new HttpParameterBinding("tags", "tag", ParameterLocation.Body),
        ], bodyContentType: "application/x-www-form-urlencoded");

        var (request, error) = Build(tool, """{"name":"A & B","tags":["x","y"]}""");

        Assert.Null(error);
        Assert.Equal("application/x-www-form-urlencoded", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("name=A+%26+B&tag=x&tag=y", await request.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Build_MultipartBody_HasOnePartPerProperty()
    {
        var tool = ApimHarness.Tool("m", "POST", "/v1/x",
        [
            new HttpParameterBinding("title", "title", ParameterLocation.Body),
            new HttpParameterBinding("meta", "meta", ParameterLocation.Body),
        ], bodyContentType: "multipart/form-data");

        var (request, error) = Build(tool, """{"title":"Report","meta":{"pages":3}}""");

        Assert.Null(error);
        var multipart = Assert.IsType<MultipartFormDataContent>(request.Content);
        var parts = multipart.ToList();
        Assert.Equal(2, parts.Count);
        Assert.Equal("Report", await parts[0].ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("application/json", parts[1].Headers.ContentType!.MediaType);
        Assert.Equal("""{"pages":3}""", await parts[1].ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Build_TextBody_IsTheString()
    {
        var tool = ApimHarness.Tool("t", "POST", "/v1/x", [new HttpParameterBinding("body", "body", ParameterLocation.WholeBody)], bodyContentType: "text/plain");

        var (request, error) = Build(tool, """{"body":"hello"}""");

        Assert.Null(error);
        Assert.Equal("hello", await request.Content!.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Build_UnsupportedBodyMediaType_IsRefused()
    {
        var tool = ApimHarness.Tool("t", "POST", "/v1/x", [new HttpParameterBinding("body", "body", ParameterLocation.WholeBody)], bodyContentType: "image/png");

        var (_, error) = Build(tool, """{"body":"AAAA"}""");

        Assert.Equal("request bodies of type 'image/png' are not supported", error);
    }

    [Fact]
    public void For_SameDefinition_ReturnsTheSameTemplate()
    {
        var tool = PathTool();

        Assert.Same(RequestTemplate.For(tool), RequestTemplate.For(tool));
    }

    [Theory]
    [InlineData("GET", null, true)]
    [InlineData("PUT", null, true)]
    [InlineData("DELETE", null, true)]
    [InlineData("HEAD", null, true)]
    [InlineData("POST", null, false)]
    [InlineData("PATCH", null, false)]
    [InlineData("POST", true, true)]
    [InlineData("GET", false, false)]
    public void For_RetryDecision_FollowsMethodUnlessTheToolSays(string method, bool? idempotent, bool expected)
        => Assert.Equal(expected, RequestTemplate.For(ApimHarness.Tool("r", method, "/v1/x", idempotent: idempotent)).RetryAllowed);

    [Theory]
    [InlineData("GET", false)]
    [InlineData("HEAD", false)]
    [InlineData("OPTIONS", false)]
    [InlineData("PUT", true)]
    [InlineData("DELETE", true)]
    [InlineData("POST", true)]
    [InlineData("PATCH", true)]
    public void For_IdempotencyKey_IsSentForEveryMethodThatMayChangeState(string method, bool expected)
        => Assert.Equal(expected, RequestTemplate.For(ApimHarness.Tool("k", method, "/v1/x")).SendIdempotencyKey);
}
