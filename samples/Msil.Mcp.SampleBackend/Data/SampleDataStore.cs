using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Msil.Mcp.SampleBackend.Data;

/// <summary>
/// The backend's in-memory data. Thread-safe: every operation runs under one lock, which also makes the
/// stock check of a booking and the idempotency check of a payment atomic.
/// </summary>
internal sealed class SampleDataStore
{
    /// <summary>The enquiry statuses the backend accepts.</summary>
    public static readonly IReadOnlyList<string> EnquiryStatuses = ["pending", "contacted", "converted", "lost"];

    /// <summary>The payment methods the backend accepts.</summary>
    public static readonly IReadOnlyList<string> PaymentMethods = ["card", "upi", "netbanking"];

    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, Dealer> _dealers;
    private readonly Dictionary<string, Customer> _customers;
    private readonly Dictionary<string, Vehicle> _vehicles;
    private readonly Dictionary<string, Enquiry> _enquiries;
    private readonly Dictionary<string, Booking> _bookings;
    private readonly List<Payment> _payments = [];
    private readonly Dictionary<string, (PaymentFingerprint Fingerprint, Payment Payment)> _paymentsByIdempotencyKey = new(StringComparer.Ordinal);
    private int _nextBookingNumber;
    private int _idempotentReplays;
    private int _bookingsCreated;
    private int _customersErased;

    public SampleDataStore(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _dealers = SeedData.Dealers().ToDictionary(d => d.DealerId, StringComparer.OrdinalIgnoreCase);
        _customers = SeedData.Customers().ToDictionary(c => c.CustomerId, StringComparer.OrdinalIgnoreCase);
        _vehicles = SeedData.Vehicles().ToDictionary(v => v.VehicleId, StringComparer.OrdinalIgnoreCase);
        _enquiries = SeedData.Enquiries().ToDictionary(e => e.EnquiryId, StringComparer.OrdinalIgnoreCase);
        _bookings = SeedData.Bookings().ToDictionary(b => b.BookingId, StringComparer.OrdinalIgnoreCase);
        _nextBookingNumber = 1001 + _bookings.Count;
    }

    /// <summary>Returns the enquiries of a dealer, newest first, or <see langword="null"/> for an unknown dealer.</summary>
    public DealerEnquiriesResponse? GetDealerEnquiries(string dealerId, string? status)
    {
        lock (_gate)
        {
            if (!_dealers.TryGetValue(dealerId, out var dealer))
            {
                return null;
            }

            var enquiries = _enquiries.Values
                .Where(e => e.DealerId == dealer.DealerId && (status is null || e.Status == status))
                .OrderByDescending(e => e.CreatedAt)
                .ToList();
            return new DealerEnquiriesResponse(dealer.DealerId, dealer.Name, enquiries, enquiries.Count);
        }
    }

    /// <summary>Returns the vehicles that match every given filter, ordered by id.</summary>
    public InventoryResponse GetInventory(string? model, string? dealerId, bool? inStock)
    {
        lock (_gate)
        {
            var vehicles = _vehicles.Values
                .Where(v => model is null || string.Equals(v.Model, model, StringComparison.OrdinalIgnoreCase))
                .Where(v => dealerId is null || string.Equals(v.DealerId, dealerId, StringComparison.OrdinalIgnoreCase))
                .Where(v => inStock is null || (v.Stock > 0) == inStock.Value)
                .OrderBy(v => v.VehicleId, StringComparer.Ordinal)
                .ToList();
            return new InventoryResponse(vehicles, vehicles.Count);
        }
    }

    /// <summary>Books a vehicle for a customer and takes it out of stock.</summary>
    public StoreResult<Booking> CreateBooking(string customerId, string vehicleId, string dealerId, DateOnly? preferredDate, string? notes)
    {
        lock (_gate)
        {
            if (!_customers.TryGetValue(customerId, out var customer))
            {
                return StoreResult<Booking>.Fail(StatusCodes.Status400BadRequest, $"Unknown customer '{customerId}'.", "customer_id");
            }

            if (!_dealers.TryGetValue(dealerId, out var dealer))
            {
                return StoreResult<Booking>.Fail(StatusCodes.Status400BadRequest, $"Unknown dealer '{dealerId}'.", "dealer_id");
            }

            if (!_vehicles.TryGetValue(vehicleId, out var vehicle))
            {
                return StoreResult<Booking>.Fail(StatusCodes.Status400BadRequest, $"Unknown vehicle '{vehicleId}'.", "vehicle_id");
            }

            if (vehicle.DealerId != dealer.DealerId)
            {
                return StoreResult<Booking>.Fail(StatusCodes.Status400BadRequest, $"Vehicle '{vehicle.VehicleId}' is not stocked by dealer '{dealer.DealerId}'.", "dealer_id");
            }

            if (vehicle.Stock <= 0)
            {
                return StoreResult<Booking>.Fail(StatusCodes.Status409Conflict, $"Vehicle '{vehicle.VehicleId}' ({vehicle.Model} {vehicle.Variant}) is out of stock at dealer '{dealer.DealerId}'.", "vehicle_id");
            }

            _vehicles[vehicle.VehicleId] = vehicle with { Stock = vehicle.Stock - 1 };
            var booking = new Booking(
                "BK" + (_nextBookingNumber++).ToString(CultureInfo.InvariantCulture),
                customer.CustomerId,
                vehicle.VehicleId,
                dealer.DealerId,
                vehicle.Model,
                preferredDate,
                notes,
                "confirmed",
                vehicle.ExShowroomPrice,
                _timeProvider.GetUtcNow());
            _bookings[booking.BookingId] = booking;
            _bookingsCreated++;
            return StoreResult<Booking>.Ok(booking, StatusCodes.Status201Created);
        }
    }

    /// <summary>Sets the status of an enquiry. Setting the status it already has (with no new note) changes nothing.</summary>
    public StoreResult<Enquiry> UpdateEnquiryStatus(string enquiryId, string status, string? note)
    {
        lock (_gate)
        {
            if (!_enquiries.TryGetValue(enquiryId, out var enquiry))
            {
                return StoreResult<Enquiry>.Fail(StatusCodes.Status404NotFound, $"Enquiry '{enquiryId}' was not found.");
            }

            if (enquiry.Status == status && (note is null || note == enquiry.Note))
            {
                return StoreResult<Enquiry>.Ok(enquiry);
            }

            var updated = enquiry with { Status = status, Note = note ?? enquiry.Note, UpdatedAt = _timeProvider.GetUtcNow() };
            _enquiries[enquiry.EnquiryId] = updated;
            return StoreResult<Enquiry>.Ok(updated);
        }
    }

    /// <summary>
    /// Charges a payment against a booking. With an idempotency key that was seen before, returns the original payment
    /// (and charges nothing) when the request is the same, and fails with 422 when it differs.
    /// </summary>
    public StoreResult<PaymentOutcome> ProcessPayment(string bookingId, decimal amount, string currency, string method, string? idempotencyKey)
    {
        var fingerprint = new PaymentFingerprint(bookingId.ToUpperInvariant(), amount, currency, method);
        lock (_gate)
        {
            if (idempotencyKey is not null && _paymentsByIdempotencyKey.TryGetValue(idempotencyKey, out var previous))
            {
                if (previous.Fingerprint != fingerprint)
                {
                    return StoreResult<PaymentOutcome>.Fail(
                        StatusCodes.Status422UnprocessableEntity,
                        "The Idempotency-Key was already used for a different payment request.",
                        "Idempotency-Key");
                }

                _idempotentReplays++;
                return StoreResult<PaymentOutcome>.Ok(new PaymentOutcome(previous.Payment, Replayed: true));
            }

            if (!_bookings.TryGetValue(bookingId, out var booking))
            {
                return StoreResult<PaymentOutcome>.Fail(StatusCodes.Status404NotFound, $"Booking '{bookingId}' was not found.", "booking_id");
            }

            var payment = new Payment(
                "PAY" + (_payments.Count + 1).ToString("D6", CultureInfo.InvariantCulture),
                booking.BookingId,
                amount,
                currency,
                method,
                "captured",
                idempotencyKey,
                _timeProvider.GetUtcNow());
            _payments.Add(payment);
            if (idempotencyKey is not null)
            {
                _paymentsByIdempotencyKey[idempotencyKey] = (fingerprint, payment);
            }

            return StoreResult<PaymentOutcome>.Ok(new PaymentOutcome(payment, Replayed: false), StatusCodes.Status201Created);
        }
    }

    /// <summary>Erases a customer: removes the customer record and the customer's name from every enquiry.</summary>
    public StoreResult<CustomerErasure> EraseCustomer(string customerId)
    {
        lock (_gate)
        {
            if (!_customers.Remove(customerId, out var customer))
            {
                return StoreResult<CustomerErasure>.Fail(StatusCodes.Status404NotFound, $"Customer '{customerId}' was not found.");
            }

            foreach (var enquiry in _enquiries.Values.Where(e => e.CustomerId == customer.CustomerId).ToList())
            {
                _enquiries[enquiry.EnquiryId] = enquiry with { CustomerName = null };
            }

            _customersErased++;
            return StoreResult<CustomerErasure>.Ok(new CustomerErasure(customer.CustomerId, Erased: true, _timeProvider.GetUtcNow()));
        }
    }

    /// <summary>Returns the counters of what the backend actually did.</summary>
    public SampleBackendStats GetStats()
    {
        lock (_gate)
        {
            return new SampleBackendStats(_payments.Count, _idempotentReplays, _bookingsCreated, _customersErased);
        }
    }
}

/// <summary>What makes two payment requests the same (decimal equality ignores scale: 100 equals 100.00).</summary>
internal readonly record struct PaymentFingerprint(string BookingId, decimal Amount, string Currency, string Method);

/// <summary>A payment and whether it is the replay of an earlier request with the same idempotency key.</summary>
internal sealed record PaymentOutcome(Payment Payment, bool Replayed);
