using System.Net;
using System.Text.Json.Nodes;

namespace Msil.Mcp.SampleBackend.Tests;

public sealed class SampleBackendEndpointTests : IAsyncLifetime
{
    private SampleBackendTestHost _host = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _host = await SampleBackendTestHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task GetVehicleInventory_WithoutToken_Returns401ProblemDetails()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/backend/v1/inventory", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        var problem = await SampleBackendTestHost.ReadJsonAsync(response);
        Assert.Equal(401, (int)problem["status"]!);
        Assert.Contains(SampleBackendDefaults.Audience, (string)problem["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetVehicleInventory_TokenForWrongAudience_Returns401InvalidToken()
    {
        var token = _host.MintToken(audience: "api://msil-mcp-server");

        using var response = await _host.SendAsync(HttpMethod.Get, "/backend/v1/inventory", token: token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("audience", challenge.Parameter, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task GetVehicleInventory_TokenFromUntrustedKey_Returns401()
    {
        await using var other = await SampleBackendTestHost.StartAsync();
        var tokenSignedByAnotherKey = other.MintToken();

        using var response = await _host.SendAsync(HttpMethod.Get, "/backend/v1/inventory", token: tokenSignedByAnotherKey);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task GetVehicleInventory_ValidToken_ReturnsObjectWithVehicles()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/backend/v1/inventory");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = Assert.IsType<JsonObject>(await SampleBackendTestHost.ReadJsonAsync(response));
        var vehicles = Assert.IsType<JsonArray>(body["vehicles"]);
        Assert.Equal(8, vehicles.Count);
        Assert.Equal(vehicles.Count, (int)body["total"]!);
        var first = vehicles[0]!;
        Assert.Equal("V001", (string)first["vehicle_id"]!);
        Assert.Equal("Swift", (string)first["model"]!);
        Assert.Equal("INR", (string)first["ex_showroom_price"]!["currency"]!);
        Assert.True((decimal)first["ex_showroom_price"]!["amount"]! > 0);
        Assert.Equal("DL001", (string)first["dealer_id"]!);
    }

    [Fact]
    public async Task GetVehicleInventory_ModelAndInStockFilters_ReturnsOnlyMatches()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/backend/v1/inventory?model=grand%20vitara&in_stock=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await SampleBackendTestHost.ReadJsonAsync(response);
        var vehicle = Assert.Single(body["vehicles"]!.AsArray());
        Assert.Equal("V007", (string)vehicle!["vehicle_id"]!);
        Assert.True((int)vehicle["stock"]! > 0);
    }

    [Fact]
    public async Task GetVehicleInventory_InStockNotBoolean_Returns400NamingParameter()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/backend/v1/inventory?in_stock=maybe");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("in_stock", (string)(await SampleBackendTestHost.ReadJsonAsync(response))["field"]!);
    }

    [Fact]
    public async Task GetDealerEnquiries_StatusFilter_ReturnsOnlyThatStatus()
    {
        using var all = await _host.SendAsync(HttpMethod.Get, "/backend/v1/dealers/DL001/enquiries");
        using var pending = await _host.SendAsync(HttpMethod.Get, "/backend/v1/dealers/DL001/enquiries?status=pending");

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal(HttpStatusCode.OK, pending.StatusCode);
        var allEnquiries = (await SampleBackendTestHost.ReadJsonAsync(all))["enquiries"]!.AsArray();
        var body = await SampleBackendTestHost.ReadJsonAsync(pending);
        var pendingEnquiries = body["enquiries"]!.AsArray();
        Assert.True(allEnquiries.Count > pendingEnquiries.Count);
        Assert.NotEmpty(pendingEnquiries);
        Assert.All(pendingEnquiries, e => Assert.Equal("pending", (string)e!["status"]!));
        Assert.All(pendingEnquiries, e => Assert.Equal("DL001", (string)e!["dealer_id"]!));
        Assert.Equal(pendingEnquiries.Count, (int)body["total"]!);
        Assert.Equal("DL001", (string)body["dealer_id"]!);
    }

    [Fact]
    public async Task GetDealerEnquiries_InvalidStatus_Returns400NamingStatus()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/backend/v1/dealers/DL001/enquiries?status=archived");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SampleBackendTestHost.ReadJsonAsync(response);
        Assert.Equal("status", (string)problem["field"]!);
        Assert.Contains("pending", (string)problem["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetDealerEnquiries_UnknownDealer_Returns404ProblemDetails()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/backend/v1/dealers/DL999/enquiries");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await SampleBackendTestHost.ReadJsonAsync(response);
        Assert.Equal(404, (int)problem["status"]!);
        Assert.Contains("DL999", (string)problem["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateBooking_MissingVehicleId_Returns400NamingField()
    {
        using var response = await _host.SendAsync(HttpMethod.Post, "/backend/v1/bookings", """{"customer_id":"C001","dealer_id":"DL001"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await SampleBackendTestHost.ReadJsonAsync(response);
        Assert.Equal("vehicle_id", (string)problem["field"]!);
        Assert.Contains("vehicle_id", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Equal(0, (int)(await _host.GetStatsAsync())["bookings_created"]!);
    }

    [Fact]
    public async Task CreateBooking_MalformedPreferredDate_Returns400NamingField()
    {
        using var response = await _host.SendAsync(
            HttpMethod.Post,
            "/backend/v1/bookings",
            """{"customer_id":"C001","vehicle_id":"V004","dealer_id":"DL001","preferred_date":"next tuesday"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("preferred_date", (string)(await SampleBackendTestHost.ReadJsonAsync(response))["field"]!);
    }

    [Fact]
    public async Task CreateBooking_ValidRequest_Returns201AndTakesOneFromStock()
    {
        using var response = await _host.SendAsync(
            HttpMethod.Post,
            "/backend/v1/bookings",
            """{"customer_id":"C001","vehicle_id":"V004","dealer_id":"DL001","notes":"Weekend delivery."}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var booking = await SampleBackendTestHost.ReadJsonAsync(response);
        Assert.StartsWith("BK", (string)booking["booking_id"]!, StringComparison.Ordinal);
        Assert.Equal("C001", (string)booking["customer_id"]!);
        Assert.Equal("Brezza", (string)booking["model"]!);
        Assert.Equal("confirmed", (string)booking["status"]!);
        Assert.Equal(1_398_000m, (decimal)booking["quoted_price"]!["amount"]!);

        using var inventory = await _host.SendAsync(HttpMethod.Get, "/backend/v1/inventory?model=Brezza&dealer_id=DL001");
        var vehicle = Assert.Single((await SampleBackendTestHost.ReadJsonAsync(inventory))["vehicles"]!.AsArray());
        Assert.Equal(2, (int)vehicle!["stock"]!);
    }

    [Fact]
    public async Task CreateBooking_OutOfStockVehicle_Returns409()
    {
        using var response = await _host.SendAsync(HttpMethod.Post, "/backend/v1/bookings", """{"customer_id":"C003","vehicle_id":"V002","dealer_id":"DL003"}""");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("vehicle_id", (string)(await SampleBackendTestHost.ReadJsonAsync(response))["field"]!);
    }

    [Fact]
    public async Task CreateBooking_NotJson_Returns415()
    {
        using var response = await _host.SendAsync(HttpMethod.Post, "/backend/v1/bookings", new StringContent("customer_id=C001"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task UpdateEnquiryStatus_SameStatusTwice_IsIdempotent()
    {
        const string Body = """{"status":"contacted","note":"Called back; test drive on Saturday."}""";

        using var first = await _host.SendAsync(HttpMethod.Put, "/backend/v1/enquiries/EQ1001/status", Body);
        using var second = await _host.SendAsync(HttpMethod.Put, "/backend/v1/enquiries/EQ1001/status", Body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var firstBody = await SampleBackendTestHost.ReadJsonAsync(first);
        var secondBody = await SampleBackendTestHost.ReadJsonAsync(second);
        Assert.Equal("contacted", (string)firstBody["status"]!);
        Assert.Equal("Called back; test drive on Saturday.", (string)firstBody["note"]!);
        Assert.True(JsonNode.DeepEquals(firstBody, secondBody));
    }

    [Fact]
    public async Task UpdateEnquiryStatus_InvalidStatus_Returns400NamingStatus()
    {
        using var response = await _host.SendAsync(HttpMethod.Put, "/backend/v1/enquiries/EQ1001/status", """{"status":"archived"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("status", (string)(await SampleBackendTestHost.ReadJsonAsync(response))["field"]!);
    }

    [Fact]
    public async Task UpdateEnquiryStatus_UnknownEnquiry_Returns404()
    {
        using var response = await _host.SendAsync(HttpMethod.Put, "/backend/v1/enquiries/EQ9999/status", """{"status":"lost"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ProcessPayment_SameIdempotencyKeyTwice_ChargesOnce()
    {
        const string Body = """{"booking_id":"BK1001","amount":25000,"currency":"INR","method":"upi"}""";

        using var firstRequest = _host.Request(HttpMethod.Post, "/backend/v1/payments", Body);
        firstRequest.Headers.Add("Idempotency-Key", "pay-7f3a");
        using var first = await _host.Client.SendAsync(firstRequest, Ct);
        using var secondRequest = _host.Request(HttpMethod.Post, "/backend/v1/payments", Body);
        secondRequest.Headers.Add("Idempotency-Key", "pay-7f3a");
        using var second = await _host.Client.SendAsync(secondRequest, Ct);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("true", Assert.Single(second.Headers.GetValues("Idempotent-Replayed")));
        var firstPayment = await SampleBackendTestHost.ReadJsonAsync(first);
        var secondPayment = await SampleBackendTestHost.ReadJsonAsync(second);
        Assert.Equal((string)firstPayment["payment_id"]!, (string)secondPayment["payment_id"]!);
        Assert.Equal("captured", (string)firstPayment["status"]!);
        var stats = await _host.GetStatsAsync();
        Assert.Equal(1, (int)stats["payments_processed"]!);
        Assert.Equal(1, (int)stats["idempotent_replays"]!);
    }

    [Fact]
    public async Task ProcessPayment_WithoutIdempotencyKeyTwice_ChargesTwice()
    {
        const string Body = """{"booking_id":"BK1001","amount":25000,"currency":"INR","method":"card"}""";

        using var first = await _host.SendAsync(HttpMethod.Post, "/backend/v1/payments", Body);
        using var second = await _host.SendAsync(HttpMethod.Post, "/backend/v1/payments", Body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.NotEqual(
            (string)(await SampleBackendTestHost.ReadJsonAsync(first))["payment_id"]!,
            (string)(await SampleBackendTestHost.ReadJsonAsync(second))["payment_id"]!);
        Assert.Equal(2, (int)(await _host.GetStatsAsync())["payments_processed"]!);
    }

    [Fact]
    public async Task ProcessPayment_ConcurrentRequestsWithSameKey_ChargesOnce()
    {
        const string Body = """{"booking_id":"BK1002","amount":50000.50,"currency":"INR","method":"netbanking"}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
        {
            var request = _host.Request(HttpMethod.Post, "/backend/v1/payments", Body);
            request.Headers.Add("Idempotency-Key", "concurrent-key");
            return _host.Client.SendAsync(request, Ct);
        }));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(1, (int)(await _host.GetStatsAsync())["payments_processed"]!);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task ProcessPayment_SameKeyDifferentRequest_Returns422AndChargesOnce()
    {
        using var firstRequest = _host.Request(HttpMethod.Post, "/backend/v1/payments", """{"booking_id":"BK1001","amount":1000,"currency":"INR","method":"upi"}""");
        firstRequest.Headers.Add("Idempotency-Key", "reused-key");
        using var first = await _host.Client.SendAsync(firstRequest, Ct);
        using var secondRequest = _host.Request(HttpMethod.Post, "/backend/v1/payments", """{"booking_id":"BK1001","amount":2000,"currency":"INR","method":"upi"}""");
        secondRequest.Headers.Add("Idempotency-Key", "reused-key");
        using var second = await _host.Client.SendAsync(secondRequest, Ct);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal(1, (int)(await _host.GetStatsAsync())["payments_processed"]!);
    }

    [Theory]
    [InlineData("""{"booking_id":"BK1001","amount":0,"currency":"INR","method":"upi"}""", "amount")]
    [InlineData("""{"booking_id":"BK1001","amount":"lots","currency":"INR","method":"upi"}""", "amount")]
    [InlineData("""{"booking_id":"BK1001","amount":10.001,"currency":"INR","method":"upi"}""", "amount")]
    [InlineData("""{"booking_id":"BK1001","amount":100,"currency":"rupees","method":"upi"}""", "currency")]
    [InlineData("""{"booking_id":"BK1001","amount":100,"currency":"INR","method":"cash"}""", "method")]
    [InlineData("""{"amount":100,"currency":"INR","method":"upi"}""", "booking_id")]
    public async Task ProcessPayment_InvalidField_Returns400NamingFieldAndChargesNothing(string body, string field)
    {
        using var response = await _host.SendAsync(HttpMethod.Post, "/backend/v1/payments", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string)(await SampleBackendTestHost.ReadJsonAsync(response))["field"]!);
        Assert.Equal(0, (int)(await _host.GetStatsAsync())["payments_processed"]!);
    }

    [Fact]
    public async Task ProcessPayment_UnknownBooking_Returns404()
    {
        using var response = await _host.SendAsync(HttpMethod.Post, "/backend/v1/payments", """{"booking_id":"BK9999","amount":100,"currency":"INR","method":"upi"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("booking_id", (string)(await SampleBackendTestHost.ReadJsonAsync(response))["field"]!);
    }

    [Fact]
    public async Task DeleteCustomerData_TwiceForSameCustomer_ErasesThenReturns404()
    {
        using var first = await _host.SendAsync(HttpMethod.Delete, "/backend/v1/customers/C002/data");
        using var second = await _host.SendAsync(HttpMethod.Delete, "/backend/v1/customers/C002/data");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var erasure = await SampleBackendTestHost.ReadJsonAsync(first);
        Assert.Equal("C002", (string)erasure["customer_id"]!);
        Assert.True((bool)erasure["erased"]!);
        Assert.NotNull((string?)erasure["erased_at"]);
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);

        using var enquiries = await _host.SendAsync(HttpMethod.Get, "/backend/v1/dealers/DL002/enquiries");
        var ofCustomer = (await SampleBackendTestHost.ReadJsonAsync(enquiries))["enquiries"]!.AsArray()
            .Where(e => (string)e!["customer_id"]! == "C002")
            .ToList();
        Assert.NotEmpty(ofCustomer);
        Assert.All(ofCustomer, e => Assert.Null((string?)e!["customer_name"]));

        using var booking = await _host.SendAsync(HttpMethod.Post, "/backend/v1/bookings", """{"customer_id":"C002","vehicle_id":"V003","dealer_id":"DL002"}""");
        Assert.Equal(HttpStatusCode.BadRequest, booking.StatusCode);
        Assert.Equal(1, (int)(await _host.GetStatsAsync())["customers_erased"]!);
    }
}
