namespace Msil.Mcp.SampleBackend.Data;

// The backend's resources, serialized with snake_case names by SampleBackendJsonContext.
// They match the schemas in openapi.json; change both together.

/// <summary>An amount of money in a currency (ISO 4217).</summary>
internal sealed record Money(decimal Amount, string Currency);

/// <summary>A dealership.</summary>
internal sealed record Dealer(string DealerId, string Name, string City, string Region);

/// <summary>A customer enquiry handled by a dealer.</summary>
internal sealed record Enquiry(
    string EnquiryId,
    string DealerId,
    string CustomerId,
    string? CustomerName,
    string Model,
    string Source,
    string Status,
    string? Note,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A vehicle in a dealer's stock.</summary>
internal sealed record Vehicle(
    string VehicleId,
    string Model,
    string Variant,
    string FuelType,
    string Transmission,
    string Colour,
    int ModelYear,
    Money ExShowroomPrice,
    int Stock,
    string DealerId);

/// <summary>A customer.</summary>
internal sealed record Customer(string CustomerId, string Name, string Email, string Phone, string City);

/// <summary>A test-drive or purchase booking of a vehicle.</summary>
internal sealed record Booking(
    string BookingId,
    string CustomerId,
    string VehicleId,
    string DealerId,
    string Model,
    DateOnly? PreferredDate,
    string? Notes,
    string Status,
    Money QuotedPrice,
    DateTimeOffset CreatedAt);

/// <summary>A payment made against a booking.</summary>
internal sealed record Payment(
    string PaymentId,
    string BookingId,
    decimal Amount,
    string Currency,
    string Method,
    string Status,
    string? IdempotencyKey,
    DateTimeOffset CreatedAt);

/// <summary>The response of <c>getDealerEnquiries</c>.</summary>
internal sealed record DealerEnquiriesResponse(string DealerId, string DealerName, IReadOnlyList<Enquiry> Enquiries, int Total);

/// <summary>The response of <c>getVehicleInventory</c>.</summary>
internal sealed record InventoryResponse(IReadOnlyList<Vehicle> Vehicles, int Total);

/// <summary>The response of <c>deleteCustomerData</c>.</summary>
internal sealed record CustomerErasure(string CustomerId, bool Erased, DateTimeOffset ErasedAt);

/// <summary>The body of <c>createBooking</c>. Every property is nullable so that a missing one can be named in the error.</summary>
internal sealed class CreateBookingRequest
{
    public string? CustomerId { get; init; }

    public string? VehicleId { get; init; }

    public string? DealerId { get; init; }

    public DateOnly? PreferredDate { get; init; }

    public string? Notes { get; init; }
}

/// <summary>The body of <c>updateEnquiryStatus</c>.</summary>
internal sealed class UpdateEnquiryStatusRequest
{
    public string? Status { get; init; }

    public string? Note { get; init; }
}

/// <summary>The body of <c>processPayment</c>.</summary>
internal sealed class ProcessPaymentRequest
{
    public string? BookingId { get; init; }

    public decimal? Amount { get; init; }

    public string? Currency { get; init; }

    public string? Method { get; init; }
}
