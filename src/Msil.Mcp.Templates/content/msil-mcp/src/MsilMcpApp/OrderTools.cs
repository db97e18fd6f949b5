using System.ComponentModel.DataAnnotations;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Abstractions.Tools;

namespace MsilMcpApp;

/// <summary>The host's own tools: C# methods that the Msil.Mcp source generator turns into governed tools.</summary>
[MsilToolClass(Domain = "orders")]
public sealed partial class OrderTools(OrderStore store)
{
    /// <summary>Gets the status of an order.</summary>
    /// <param name="orderId">The order id, for example SO-1001.</param>
    /// <returns>The order's status, or a note that there is no such order.</returns>
    [MsilTool(RiskLevel.Read, Title = "Get order status")]
    public string GetOrderStatus([RegularExpression("^SO-[0-9]{4}$")] string orderId)
        => store.Get(orderId) is { } order ? $"Order {order.Id} for {order.Customer} is {order.Status}." : $"There is no order {orderId}.";
}
