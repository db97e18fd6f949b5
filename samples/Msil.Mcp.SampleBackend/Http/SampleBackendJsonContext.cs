using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Msil.Mcp.SampleBackend.Data;

namespace Msil.Mcp.SampleBackend.Http;

/// <summary>Source-generated JSON for every body the backend reads or writes; property names are snake_case.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(DealerEnquiriesResponse))]
[JsonSerializable(typeof(InventoryResponse))]
[JsonSerializable(typeof(Booking))]
[JsonSerializable(typeof(Enquiry))]
[JsonSerializable(typeof(Payment))]
[JsonSerializable(typeof(CustomerErasure))]
[JsonSerializable(typeof(CreateBookingRequest))]
[JsonSerializable(typeof(UpdateEnquiryStatusRequest))]
[JsonSerializable(typeof(ProcessPaymentRequest))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(IReadOnlyList<RecordedRequest>))]
[JsonSerializable(typeof(SampleBackendStats))]
[JsonSerializable(typeof(string))]
internal sealed partial class SampleBackendJsonContext : JsonSerializerContext;
