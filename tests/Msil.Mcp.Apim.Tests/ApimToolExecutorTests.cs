using System.Diagnostics;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests;

/// <summary>The executor against a loopback backend: the headers the backend sees, named gateways and response shaping.</summary>
public sealed class ApimToolExecutorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExecuteAsync_Get_BackendSeesSeedHeaders()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("get_dealer_enquiries", "GET", "/v1/dealers/{id}/enquiries",
            [new HttpParameterBinding("id", "id", ParameterLocation.Path)], RiskLevel.Read);

        var result = await harness.CallAsync(tool, """{"id":"D-42"}""");

        Assert.False(result.IsError, result.Text);
        var seen = Assert.Single(backend.Requests);
        Assert.Equal("GET", seen.Method);
        Assert.Equal("/v1/dealers/D-42/enquiries", seen.RawTarget);
        Assert.Equal("Bearer token-for:api://backend", seen.Header("Authorization"));
        Assert.Equal(ApimHarness.SubscriptionKey, seen.Header("Ocp-Apim-Subscription-Key"));
        Assert.Equal("corr-123", seen.Header("X-Correlation-ID"));
        Assert.Equal("get_dealer_enquiries", seen.Header("X-MCP-Tool-Name"));
        Assert.Equal("read", seen.Header("X-MCP-Risk-Level"));
        Assert.Null(seen.Header("Idempotency-Key"));
        Assert.Null(seen.Header("Cookie"));
    }

    [Fact]
    public async Task ExecuteAsync_Post_SendsIdempotencyKeyOfTheCall()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("create_booking", "POST", "/v1/bookings",
            [new HttpParameterBinding("customer_id", "customerId", ParameterLocation.Body)], RiskLevel.Write);

        var result = await harness.CallAsync(tool, """{"customer_id":"C-1"}""", idempotencyKey: "mcp-key-1");

        Assert.False(result.IsError, result.Text);
        var seen = Assert.Single(backend.Requests);
        Assert.Equal("mcp-key-1", seen.Header("Idempotency-Key"));
        Assert.Equal("write", seen.Header("X-MCP-Risk-Level"));
        Assert.Equal("application/json", seen.ContentType);
        Assert.Equal("""{"customerId":"C-1"}""", seen.BodyText);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task ExecuteAsync_EveryStateChangingMethod_SendsIdempotencyKeyOfTheCall(string method)
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("change_booking", method, "/v1/bookings/{id}",
            [new HttpParameterBinding("id", "id", ParameterLocation.Path)], RiskLevel.Write);

        var result = await harness.CallAsync(tool, """{"id":"B-1"}""", idempotencyKey: "mcp-key-" + method);

        Assert.False(result.IsError, result.Text);
        var seen = Assert.Single(backend.Requests);
        Assert.Equal(method, seen.Method);
        Assert.Equal("mcp-key-" + method, seen.Header("Idempotency-Key"));
    }

    [Fact]
    public async Task ExecuteAsync_OperationsOwnIdempotencyKeyParameterLeftOut_SendsTheKeyOfTheCall()
    {
        // The sample backend's processPayment declares an optional Idempotency-Key header parameter.
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("process_payment", "POST", "/v1/payments",
        [
            new HttpParameterBinding("idempotency_key", "Idempotency-Key", ParameterLocation.Header),
            new HttpParameterBinding("amount", "amount", ParameterLocation.Body),
        ], RiskLevel.Write);

        var result = await harness.CallAsync(tool, """{"amount":10}""", idempotencyKey: "mcp-call-key");
        var refused = await harness.CallAsync(tool, """{"amount":10,"idempotency_key":"model-chosen"}""");

        Assert.False(result.IsError, result.Text);
        Assert.Equal("mcp-call-key", Assert.Single(backend.Requests).Header("Idempotency-Key"));
        Assert.True(refused.IsError);
        Assert.Contains("protected header 'Idempotency-Key'", refused.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_UnderActivity_BackendSeesTraceparentOfTheTrace()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("Msil.Mcp.Apim.Tests");
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("get_inventory", "GET", "/v1/inventory");

        using (var parent = source.StartActivity("test call"))
        {
            Assert.NotNull(parent);
            await harness.CallAsync(tool);
            var traceparent = Assert.Single(backend.Requests).Header("traceparent");
            Assert.NotNull(traceparent);
            Assert.StartsWith("00-" + parent.TraceId.ToHexString() + "-", traceparent, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ExecuteAsync_ArgumentsForProtectedHeaders_AreRefusedBeforeAnyCall()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        foreach (var header in new[] { "Authorization", "Host", "Cookie", "Ocp-Apim-Subscription-Key", "X-MCP-Risk-Level", "traceparent", "Proxy-Authorization" })
        {
            var tool = ApimHarness.Tool("t_" + header.Replace('-', '_'), "GET", "/v1/x", [new HttpParameterBinding("h", header, ParameterLocation.Header)]);

            var result = await harness.CallAsync(tool, """{"h":"evil"}""");

            Assert.True(result.IsError);
            Assert.Contains("protected header", result.Text, StringComparison.Ordinal);
        }

        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task ExecuteAsync_HeaderArgumentNotAscii_IsAToolErrorAndNeverOpensTheSharedBreaker()
    {
        // Issue #17 item 3: one user's 'n\u00f6rth' used to fail inside HttpClient, count as a gateway failure, be retried and
        // open the breaker for every user. Now it never leaves the executor.
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.CircuitBreakerThreshold = 2;
            o.CircuitBreakerBreakDuration = TimeSpan.FromMinutes(5);
        });
        var tool = ApimHarness.Tool("get_stock", "GET", "/v1/stock", [new HttpParameterBinding("region", "X-Region", ParameterLocation.Header)]);

        for (var i = 0; i < 4; i++)
        {
            var refused = await harness.CallAsync(tool, """{"region":"n\u00f6rth"}""");
            Assert.True(refused.IsError);
            Assert.Contains("header argument 'region'", refused.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("circuit breaker", refused.Text, StringComparison.Ordinal);
        }

        var other = await harness.CallAsync(tool, """{"region":"north"}""");

        Assert.False(other.IsError, other.Text);
        Assert.Equal("north", Assert.Single(backend.Requests).Header("X-Region"));
    }

    [Fact]
    public async Task ExecuteAsync_HeaderArgumentWithControlCharacter_NeverReachesTheBackend()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("get_stock", "GET", "/v1/stock", [new HttpParameterBinding("region", "X-Region", ParameterLocation.Header)]);

        var result = await harness.CallAsync(tool, """{"region":"north\u0001\u001b[2J"}""");

        Assert.True(result.IsError);
        Assert.Contains("header argument 'region'", result.Text, StringComparison.Ordinal);
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task ExecuteAsync_OwnHeaderHttpCannotCarry_FailsTheCallWithoutCountingAgainstTheGateway()
    {
        // Any header this client adds (tool name, token, key) is checked before the pipeline: a request that cannot be
        // written is this process's fault, never the gateway's.
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.CircuitBreakerThreshold = 1;
            o.CircuitBreakerBreakDuration = TimeSpan.FromMinutes(5);
        });

        var refused = await harness.CallAsync(ApimHarness.Tool("b\u00fccher", "GET", "/v1/books"));
        var next = await harness.CallAsync(ApimHarness.Tool("books", "GET", "/v1/books"));

        Assert.True(refused.IsError);
        Assert.Contains("X-MCP-Tool-Name", refused.Text, StringComparison.Ordinal);
        Assert.False(next.IsError, next.Text);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task ExecuteAsync_FreeFormQueryObjectSettingTheSubscriptionKey_IsRefusedBeforeAnyCall()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("search", "GET", "/v1/search", [new HttpParameterBinding("filter", "filter", ParameterLocation.Query, "form", true)]);

        var result = await harness.CallAsync(tool, """{"filter":{"subscription-key":"stolen"}}""");

        Assert.True(result.IsError);
        Assert.Contains("protected query parameter 'subscription-key'", result.Text, StringComparison.Ordinal);
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task ExecuteAsync_ArgumentForCustomSubscriptionKeyHeader_IsRefused()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.SubscriptionKeyHeader = "X-Gateway-Key";
        });
        var tool = ApimHarness.Tool("t", "GET", "/v1/x", [new HttpParameterBinding("k", "x-gateway-key", ParameterLocation.Header)]);

        var result = await harness.CallAsync(tool, """{"k":"mine"}""");

        Assert.True(result.IsError);
        Assert.Contains("protected header", result.Text, StringComparison.Ordinal);
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task ExecuteAsync_NamedGateway_UsesItsUrlAndSubscriptionKey()
    {
        await using var dealers = await ScriptedBackend.StartAsync();
        await using var payments = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, dealers.Url);
            var gateway = new ApimGatewayOptions();
            ApimHarness.Fast(gateway, payments.Url);
            gateway.SubscriptionKey = "payments-key";
            o.Gateways["payments"] = gateway;
        });

        await harness.CallAsync(ApimHarness.Tool("get_dealers", "GET", "/v1/dealers"));
        await harness.CallAsync(ApimHarness.Tool("list_payments", "GET", "/v1/payments", gateway: "Payments"));

        Assert.Equal("/v1/dealers", Assert.Single(dealers.Requests).RawTarget);
        var payment = Assert.Single(payments.Requests);
        Assert.Equal("/v1/payments", payment.RawTarget);
        Assert.Equal("payments-key", payment.Header("Ocp-Apim-Subscription-Key"));
    }

    [Fact]
    public async Task ExecuteAsync_UnknownGateway_IsAToolErrorWithoutCall()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x", gateway: "nowhere"));

        Assert.True(result.IsError);
        Assert.Contains("Msil:Mcp:Apim:Gateways:nowhere:GatewayUrl", result.Text, StringComparison.Ordinal);
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task ExecuteAsync_JsonObject_BecomesStructuredContentAndText()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json("""{"id":"E-1","status":"open"}""");
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("t", "GET", "/v1/x", outputSchema: """{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}""");

        var result = await harness.CallAsync(tool);

        Assert.False(result.IsError);
        Assert.Equal(200, result.BackendStatus);
        Assert.Equal("E-1", result.StructuredContent!.Value.GetProperty("id").GetString());
        Assert.Equal("""{"id":"E-1","status":"open"}""", result.Text);
    }

    [Fact]
    public async Task ExecuteAsync_JsonArray_IsWrappedAsItems()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json("""[{"id":1},{"id":2}]""");
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.Equal(2, result.StructuredContent!.Value.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ExecuteAsync_ResultNotMatchingOutputSchema_DropsStructuredContentWithNotice()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json("""{"status":"open","count":"three"}""");
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("t", "GET", "/v1/x", outputSchema: """{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}""");

        var result = await harness.CallAsync(tool);

        Assert.False(result.IsError);
        Assert.Null(result.StructuredContent);
        Assert.Contains("does not match the tool's output schema", result.Text, StringComparison.Ordinal);
        Assert.Contains("'id' is missing", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_ResultWithWrongPropertyType_DropsStructuredContent()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json("""{"count":"three"}""");
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("t", "GET", "/v1/x", outputSchema: """{"type":"object","properties":{"count":{"type":"integer"}}}""");

        var result = await harness.CallAsync(tool);

        Assert.Null(result.StructuredContent);
        Assert.Contains("'count' is a string, not integer", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_PlainText_IsText()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Body = "line one\nline two", ContentType = "text/plain; charset=utf-8" };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.Equal("line one\nline two", result.Text);
        Assert.Null(result.StructuredContent);
    }

    [Fact]
    public async Task ExecuteAsync_BinaryContent_IsDescribedNotShown()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { BodyBytes = [0x25, 0x50, 0x44, 0x46, 0x00, 0xFF], ContentType = "application/pdf" };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.False(result.IsError);
        Assert.Contains("application/pdf content of 6 bytes", result.Text, StringComparison.Ordinal);
        Assert.Equal(6, result.Size);
    }

    [Fact]
    public async Task ExecuteAsync_ResponseOverLimit_IsCutWithNoticeAndNoStructuredContent()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        var big = "[" + string.Join(",", Enumerable.Range(0, 2000).Select(i => $$"""{"id":{{i}}}""")) + "]";
        backend.Default = Reply.Json(big);
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.MaxResponseBytes = 4096;
        });

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.False(result.IsError);
        Assert.Null(result.StructuredContent);
        Assert.StartsWith(big[..4096], result.Text, StringComparison.Ordinal);
        Assert.Contains($"[Response cut at 4096 bytes of {big.Length} (Msil:Mcp:Apim:MaxResponseBytes)", result.Text, StringComparison.Ordinal);
        Assert.Equal(big.Length, result.Size);
    }

    [Fact]
    public async Task ExecuteAsync_ChunkedBodyLargerThanTheFirstBuffer_IsReadWhole()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        var body = "[" + string.Join(",", Enumerable.Range(0, 5000).Select(i => $$"""{"id":{{i}}}""")) + "]";
        backend.Default = Reply.Json(body) with { Chunked = true };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.False(result.IsError, result.Text);
        Assert.Equal(body, result.Text);
        Assert.Equal(5000, result.StructuredContent!.Value.GetProperty("items").GetArrayLength());
        Assert.Equal(body.Length, result.Size);
    }

    [Fact]
    public async Task ExecuteAsync_ChunkedBodyOverLimit_IsCutWithNotice()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        var big = "[" + string.Join(",", Enumerable.Range(0, 2000).Select(i => $$"""{"id":{{i}}}""")) + "]";
        backend.Default = Reply.Json(big) with { Chunked = true };
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.MaxResponseBytes = 4096;
        });

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.False(result.IsError);
        Assert.Null(result.StructuredContent);
        Assert.StartsWith(big[..4096], result.Text, StringComparison.Ordinal);
        Assert.Contains("[Response cut at 4096 bytes (Msil:Mcp:Apim:MaxResponseBytes)", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_SameToolWithOtherArguments_EachCallGoesToItsOwnUrl()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("get_dealer_enquiries", "GET", "/v1/dealers/{id}/enquiries",
            [new HttpParameterBinding("id", "id", ParameterLocation.Path)], RiskLevel.Read);

        foreach (var id in new[] { "D-1", "D-2", "D-1" })
        {
            var result = await harness.CallAsync(tool, $$"""{"id":"{{id}}"}""");
            Assert.False(result.IsError, result.Text);
        }

        Assert.Equal(["/v1/dealers/D-1/enquiries", "/v1/dealers/D-2/enquiries", "/v1/dealers/D-1/enquiries"], backend.Requests.Select(r => r.RawTarget));
    }

    [Fact]
    public async Task ExecuteAsync_DefaultLimit_Passes256KbUncut()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        var body = "\"" + new string('a', 256 * 1024 - 2) + "\"";
        backend.Default = Reply.Json(body);
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.Equal(body, result.Text);
    }

    [Fact]
    public async Task ExecuteAsync_ProblemDetails_BecomeToolErrorWithStatusAndSecretsRedacted()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply
        {
            Status = 422,
            ContentType = "application/problem+json",
            Body = $$$"""{"title":"Invalid booking","detail":"key {{{ApimHarness.SubscriptionKey}}} with Bearer token-for:api://backend and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl rejected","errors":{"date":["must be in the future"]}}""",
        };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("create_booking", "POST", "/v1/bookings", risk: RiskLevel.Write));

        Assert.True(result.IsError);
        Assert.Equal(422, result.BackendStatus);
        Assert.Contains("HTTP 422", result.Text, StringComparison.Ordinal);
        Assert.Contains("Invalid booking", result.Text, StringComparison.Ordinal);
        Assert.Contains("must be in the future", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(ApimHarness.SubscriptionKey, result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("token-for", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJhbGciOiJIUzI1NiJ9", result.Text, StringComparison.Ordinal);
        Assert.Contains("[redacted]", result.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(401, "did not accept the credentials")]
    [InlineData(403, "backend's own authorization decision")]
    public async Task ExecuteAsync_BackendRefusal_IsToldApartFromOurPolicy(int status, string expected)
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Status = status, ContentType = "application/problem+json", Body = """{"title":"Nope"}""" };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.True(result.IsError);
        Assert.Equal(status, result.BackendStatus);
        Assert.Contains(expected, result.Text, StringComparison.Ordinal);
        Assert.Contains("not this server's policy", result.Text, StringComparison.Ordinal);
        Assert.Single(backend.Requests);
    }

    [Fact]
    public async Task ExecuteAsync_BodyStallsLongerThanReadTimeout_IsATimeoutError()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Body = """{"id":"slow"}""", BodyStall = TimeSpan.FromSeconds(5) };
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.ReadTimeout = TimeSpan.FromMilliseconds(200);
        });

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        // The read timeout, not the 5 s stall's end, finished the call: the error says the body did not come in time.
        Assert.True(result.IsError);
        Assert.Contains("did not send the whole response in time", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_NoGatewayUrlButNamedGateways_DefaultToolFailsClearly()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o =>
        {
            var gateway = new ApimGatewayOptions();
            ApimHarness.Fast(gateway, backend.Url);
            o.Gateways["only"] = gateway;
        });

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.True(result.IsError);
        Assert.Contains("Msil:Mcp:Apim:GatewayUrl", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_BackendSetsCookie_NextCallDoesNotSendIt()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Body = "{}", Headers = new Dictionary<string, string> { ["Set-Cookie"] = "session=alice; Path=/" } };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var tool = ApimHarness.Tool("t", "GET", "/v1/x");

        await harness.CallAsync(tool);
        await harness.CallAsync(tool);

        Assert.All(backend.Requests, r => Assert.Null(r.Header("Cookie")));
    }

    [Fact]
    public async Task ExecuteAsync_Redirect_IsNotFollowed()
    {
        await using var elsewhere = await ScriptedBackend.StartAsync();
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Status = 302, Headers = new Dictionary<string, string> { ["Location"] = elsewhere.Url + "steal" } };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.True(result.IsError);
        Assert.Equal(302, result.BackendStatus);
        Assert.Equal(0, elsewhere.Count);
    }

    [Fact]
    public async Task ExecuteAsync_Logs_NeverCarrySecretsOrArgumentValues()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(Reply.Status503, new Reply { Status = 401, Body = $"bad key {ApimHarness.SubscriptionKey}", ContentType = "text/plain" });
        await using var harness = ApimHarness.Create(
            o => ApimHarness.Fast(o, backend.Url),
            services => services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace)).AddFakeLogging());
        var tool = ApimHarness.Tool("get_customer", "GET", "/v1/customers/{id}", [new HttpParameterBinding("id", "id", ParameterLocation.Path)]);

        var result = await harness.CallAsync(tool, """{"id":"CUST-SECRET-42"}""");

        Assert.Equal(401, result.BackendStatus);
        var records = harness.Services.GetFakeLogCollector().GetSnapshot();
        Assert.Contains(records, r => r.Id.Id == 5003);
        Assert.All(records, r =>
        {
            var text = r.Message + " " + string.Join(" ", r.StructuredState?.Select(kv => kv.Value) ?? []);
            Assert.DoesNotContain("CUST-SECRET-42", text, StringComparison.Ordinal);
            Assert.DoesNotContain(ApimHarness.SubscriptionKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain("token-for", text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task ExecuteAsync_Structured_IsIndependentOfTheResponse()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json("""{"a":{"b":[1,2,3]}}""");
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.Equal(JsonValueKind.Array, result.StructuredContent!.Value.GetProperty("a").GetProperty("b").ValueKind);
    }
}
