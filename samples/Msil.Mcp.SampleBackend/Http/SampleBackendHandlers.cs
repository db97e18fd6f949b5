using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Msil.Mcp.SampleBackend.Data;

namespace Msil.Mcp.SampleBackend.Http;

/// <summary>The request handlers of the backend; each one validates its input and answers JSON or problem details.</summary>
internal static class SampleBackendHandlers
{
    private const int MaxNoteLength = 500;
    private const int MaxIdempotencyKeyLength = 255;
    private const decimal MaxPaymentAmount = 10_000_000m;
    private const string IdempotencyKeyHeader = "Idempotency-Key";

    private static SampleBackendJsonContext Json => SampleBackendJsonContext.Default;

    /// <summary>Wraps a handler so that the request is recorded, with the claims of the validated token.</summary>
    public static RequestDelegate Recorded(RequestDelegate handler) => async context =>
    {
        var recorder = context.RequestServices.GetRequiredService<SampleBackendRequestRecorder>();
        var authentication = await context.AuthenticateAsync(SampleBackendDefaults.AuthenticationScheme);
        try
        {
            await handler(context);
        }
        catch
        {
            recorder.Record(context, StatusCodes.Status500InternalServerError, authentication.Principal);
            throw;
        }

        recorder.Record(context, context.Response.StatusCode, authentication.Principal);
    };

    // GET /v1/dealers/{id}/enquiries?status=
    public static async Task GetDealerEnquiriesAsync(HttpContext context)
    {
        var dealerId = RouteValue(context, "id");
        string? status = null;
        if (Query(context, "status") is { } requested)
        {
            status = Canonical(SampleDataStore.EnquiryStatuses, requested);
            if (status is null)
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"status must be one of {List(SampleDataStore.EnquiryStatuses)} (was '{requested}').", "status");
                return;
            }
        }

        var result = Store(context).GetDealerEnquiries(dealerId, status);
        if (result is null)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status404NotFound, $"Dealer '{dealerId}' was not found.");
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, result, Json.DealerEnquiriesResponse);
    }

    // POST /v1/bookings
    public static async Task CreateBookingAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context, Json.CreateBookingRequest);
        if (body is null)
        {
            return;
        }

        var missing = FirstMissing(("customer_id", body.CustomerId), ("vehicle_id", body.VehicleId), ("dealer_id", body.DealerId));
        if (missing is not null)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"{missing} is required.", missing);
            return;
        }

        var today = DateOnly.FromDateTime(context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        if (body.PreferredDate is { } date && date < today)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"preferred_date must not be in the past (was {date:yyyy-MM-dd}).", "preferred_date");
            return;
        }

        if (body.Notes is { Length: > MaxNoteLength })
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"notes must be at most {MaxNoteLength} characters.", "notes");
            return;
        }

        var result = Store(context).CreateBooking(body.CustomerId!.Trim(), body.VehicleId!.Trim(), body.DealerId!.Trim(), body.PreferredDate, body.Notes);
        await WriteResultAsync(context, result, Json.Booking);
    }

    // GET /v1/inventory?model=&dealer_id=&in_stock=
    public static async Task GetVehicleInventoryAsync(HttpContext context)
    {
        bool? inStock = null;
        if (Query(context, "in_stock") is { } inStockText)
        {
            if (!bool.TryParse(inStockText, out var parsed))
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"in_stock must be true or false (was '{inStockText}').", "in_stock");
                return;
            }

            inStock = parsed;
        }

        var result = Store(context).GetInventory(Query(context, "model"), Query(context, "dealer_id"), inStock);
        await WriteJsonAsync(context, StatusCodes.Status200OK, result, Json.InventoryResponse);
    }

    // PUT /v1/enquiries/{id}/status
    public static async Task UpdateEnquiryStatusAsync(HttpContext context)
    {
        var enquiryId = RouteValue(context, "id");
        var body = await ReadBodyAsync(context, Json.UpdateEnquiryStatusRequest);
        if (body is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(body.Status))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "status is required.", "status");
            return;
        }

        var status = Canonical(SampleDataStore.EnquiryStatuses, body.Status);
        if (status is null)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"status must be one of {List(SampleDataStore.EnquiryStatuses)} (was '{body.Status}').", "status");
            return;
        }

        if (body.Note is { Length: > MaxNoteLength })
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"note must be at most {MaxNoteLength} characters.", "note");
            return;
        }

        var result = Store(context).UpdateEnquiryStatus(enquiryId, status, body.Note);
        await WriteResultAsync(context, result, Json.Enquiry);
    }

    // POST /v1/payments (Idempotency-Key honoured)
    public static async Task ProcessPaymentAsync(HttpContext context)
    {
        string? idempotencyKey = null;
        if (context.Request.Headers.TryGetValue(IdempotencyKeyHeader, out var keyValues))
        {
            idempotencyKey = keyValues.ToString();
            if (keyValues.Count != 1 || idempotencyKey.Length is 0 or > MaxIdempotencyKeyLength || idempotencyKey.Any(c => c is < '!' or > '~'))
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"{IdempotencyKeyHeader} must be one value of 1 to {MaxIdempotencyKeyLength} visible ASCII characters.", IdempotencyKeyHeader);
                return;
            }
        }

        var body = await ReadBodyAsync(context, Json.ProcessPaymentRequest);
        if (body is null)
        {
            return;
        }

        var missing = FirstMissing(("booking_id", body.BookingId), ("currency", body.Currency), ("method", body.Method));
        missing ??= body.Amount is null ? "amount" : null;
        if (missing is not null)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"{missing} is required.", missing);
            return;
        }

        var amount = body.Amount!.Value;
        if (amount <= 0 || amount > MaxPaymentAmount || amount != decimal.Round(amount, 2))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"amount must be greater than 0 and at most {MaxPaymentAmount}, with at most two decimal places (was {amount}).", "amount");
            return;
        }

        var currency = body.Currency!;
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"currency must be an ISO 4217 code of three capital letters (was '{currency}').", "currency");
            return;
        }

        var method = Canonical(SampleDataStore.PaymentMethods, body.Method!);
        if (method is null)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, $"method must be one of {List(SampleDataStore.PaymentMethods)} (was '{body.Method}').", "method");
            return;
        }

        var result = Store(context).ProcessPayment(body.BookingId!.Trim(), amount, currency, method, idempotencyKey);
        if (result.Value is not { } outcome)
        {
            await ProblemResponses.WriteAsync(context, result.StatusCode, result.Detail ?? "The payment failed.", result.Field);
            return;
        }

        if (outcome.Replayed)
        {
            // The original payment, not a second charge (draft-ietf-httpapi-idempotency-key-header).
            context.Response.Headers["Idempotent-Replayed"] = "true";
        }

        await WriteJsonAsync(context, result.StatusCode, outcome.Payment, Json.Payment);
    }

    // DELETE /v1/customers/{id}/data
    public static async Task DeleteCustomerDataAsync(HttpContext context)
    {
        var result = Store(context).EraseCustomer(RouteValue(context, "id"));
        await WriteResultAsync(context, result, Json.CustomerErasure);
    }

    // GET /openapi.json
    public static async Task GetOpenApiDocumentAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var document = SampleBackendOpenApi.OpenDocument();
        await document.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    // GET /_test/recent-requests
    public static Task GetRecentRequestsAsync(HttpContext context) =>
        WriteJsonAsync(context, StatusCodes.Status200OK, Recorder(context).GetRecentRequests(), Json.IReadOnlyListRecordedRequest);

    // GET /_test/stats
    public static Task GetStatsAsync(HttpContext context) =>
        WriteJsonAsync(context, StatusCodes.Status200OK, Recorder(context).GetStats(), Json.SampleBackendStats);

    private static SampleDataStore Store(HttpContext context) => context.RequestServices.GetRequiredService<SampleDataStore>();

    private static SampleBackendRequestRecorder Recorder(HttpContext context) => context.RequestServices.GetRequiredService<SampleBackendRequestRecorder>();

    private static string RouteValue(HttpContext context, string name) => context.Request.RouteValues[name]?.ToString() ?? string.Empty;

    private static string? Query(HttpContext context, string name)
    {
        var values = context.Request.Query[name];
        return values.Count == 0 || string.IsNullOrWhiteSpace(values[0]) ? null : values[0]!.Trim();
    }

    private static string? Canonical(IReadOnlyList<string> allowed, string value) =>
        allowed.FirstOrDefault(a => string.Equals(a, value.Trim(), StringComparison.OrdinalIgnoreCase));

    private static string List(IReadOnlyList<string> values) => string.Join(", ", values);

    /// <summary>Returns the name of the first field whose value is missing or blank, or <see langword="null"/>.</summary>
    private static string? FirstMissing(params ReadOnlySpan<(string Field, string? Value)> fields)
    {
        foreach (var (field, value) in fields)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return field;
            }
        }

        return null;
    }

    /// <summary>Reads a JSON body; on failure writes problem details (naming the field when it can) and returns <see langword="null"/>.</summary>
    private static async Task<T?> ReadBodyAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "The request body must be application/json.");
            return null;
        }

        try
        {
            var body = await JsonSerializer.DeserializeAsync(context.Request.Body, typeInfo, context.RequestAborted);
            if (body is null)
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "The request body must be a JSON object.");
            }

            return body;
        }
        catch (JsonException exception)
        {
            var field = FieldOf(exception.Path);
            var detail = field is null
                ? "The request body is not a valid JSON object."
                : $"{field} has a value of the wrong type or format.";
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, detail, field);
            return null;
        }
    }

    /// <summary>Turns a JSON path such as <c>$.amount</c> or <c>$['amount']</c> into <c>amount</c>.</summary>
    private static string? FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Trim('[', ']', '\'');
    }

    private static Task WriteResultAsync<T>(HttpContext context, StoreResult<T> result, JsonTypeInfo<T> typeInfo)
        where T : class =>
        result.Value is { } value
            ? WriteJsonAsync(context, result.StatusCode, value, typeInfo)
            : ProblemResponses.WriteAsync(context, result.StatusCode, result.Detail ?? "The request failed.", result.Field);

    private static Task WriteJsonAsync<T>(HttpContext context, int statusCode, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(value, typeInfo, contentType: null, context.RequestAborted);
    }
}
