namespace MsilMcpApp;

/// <summary>
/// The HTTP API that openapi/orders.yaml describes, served by this host so the sample needs nothing else. In your own
/// server the OpenAPI document describes an API behind your gateway (Msil:Mcp:Apim:GatewayUrl) and this file goes.
/// </summary>
internal static class OrdersApi
{
    /// <summary>Where the API is mapped; the gateway URL the OpenAPI tools call.</summary>
    public const string BasePath = "/api";

    public static void MapOrdersApi(this WebApplication app)
    {
        var api = app.MapGroup(BasePath).AllowAnonymous().ExcludeFromDescription();
        api.MapGet("/orders", (OrderStore store, string? status) => Results.Ok(store.List(status)));
        api.MapGet("/orders/{id}", (OrderStore store, string id) => store.Get(id) is { } order ? Results.Ok(order) : Results.NotFound());
        api.MapDelete("/orders/{id}", (OrderStore store, string id) => store.Cancel(id) is { } order ? Results.Ok(order) : Results.Conflict());
    }
}
