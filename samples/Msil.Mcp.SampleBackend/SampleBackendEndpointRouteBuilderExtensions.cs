using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Msil.Mcp.SampleBackend;
using Msil.Mcp.SampleBackend.Data;
using static Msil.Mcp.SampleBackend.Http.SampleBackendHandlers;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Maps the sample backend's endpoints.
/// </summary>
public static class SampleBackendEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the backend under <paramref name="prefix"/>: the six <c>/v1</c> operations of its OpenAPI document (each
    /// requiring the <c>SampleBackend</c> policy), and, anonymous, <c>/openapi.json</c>; <c>/_test/recent-requests</c>
    /// and <c>/_test/stats</c> only when <see cref="SampleBackendOptions.EnableTestEndpoints"/> allows them (by default in
    /// Development only).
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="prefix">The route prefix; the default is <c>/backend</c>, which the document's <c>servers</c> entry names.</param>
    /// <returns>A builder for conventions that apply to every endpoint of the backend.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is empty or white space.</exception>
    /// <exception cref="InvalidOperationException"><c>AddSampleBackend</c> was not called.</exception>
    public static IEndpointConventionBuilder MapSampleBackend(this IEndpointRouteBuilder endpoints, string prefix = SampleBackendDefaults.RoutePrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (endpoints.ServiceProvider.GetService<SampleDataStore>() is null)
        {
            throw new InvalidOperationException("The sample backend's services are missing: call services.AddSampleBackend(...) before MapSampleBackend.");
        }

        var backend = endpoints.MapGroup(prefix);

        backend.MapGet("/openapi.json", GetOpenApiDocumentAsync).AllowAnonymous().WithDisplayName("Sample backend OpenAPI document");
        var services = endpoints.ServiceProvider;
        if (services.GetRequiredService<IOptions<SampleBackendOptions>>().Value.EnableTestEndpoints
            ?? services.GetService<IHostEnvironment>()?.IsDevelopment() ?? false)
        {
            backend.MapGet("/_test/recent-requests", GetRecentRequestsAsync).AllowAnonymous().WithDisplayName("Sample backend recent requests");
            backend.MapGet("/_test/stats", GetStatsAsync).AllowAnonymous().WithDisplayName("Sample backend stats");
        }

        var v1 = backend.MapGroup("/v1").RequireAuthorization(SampleBackendDefaults.AuthorizationPolicy);
        v1.MapGet("/dealers/{id}/enquiries", Recorded(GetDealerEnquiriesAsync)).WithDisplayName("getDealerEnquiries").WithTags("dealer");
        v1.MapPost("/bookings", Recorded(CreateBookingAsync)).WithDisplayName("createBooking").WithTags("booking");
        v1.MapGet("/inventory", Recorded(GetVehicleInventoryAsync)).WithDisplayName("getVehicleInventory").WithTags("inventory");
        v1.MapPut("/enquiries/{id}/status", Recorded(UpdateEnquiryStatusAsync)).WithDisplayName("updateEnquiryStatus").WithTags("enquiry");
        v1.MapPost("/payments", Recorded(ProcessPaymentAsync)).WithDisplayName("processPayment").WithTags("payment");
        v1.MapDelete("/customers/{id}/data", Recorded(DeleteCustomerDataAsync)).WithDisplayName("deleteCustomerData").WithTags("customer");

        return backend;
    }
}
