namespace MsilMcpApp;

/// <summary>An order.</summary>
/// <param name="Id">The order id, for example SO-1001.</param>
/// <param name="Customer">The customer's name.</param>
/// <param name="Total">The order total in EUR.</param>
/// <param name="Status">placed, shipped or cancelled.</param>
public sealed record Order(string Id, string Customer, decimal Total, string Status);

/// <summary>The orders this sample serves (in memory); replace it with your own data.</summary>
public sealed class OrderStore
{
    private readonly Dictionary<string, Order> _orders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["SO-1001"] = new("SO-1001", "Contoso", 120.50m, "placed"),
        ["SO-1002"] = new("SO-1002", "Fabrikam", 89.00m, "shipped"),
        ["SO-1003"] = new("SO-1003", "Northwind", 42.00m, "placed"),
    };

    /// <summary>Lists the orders, optionally of one status.</summary>
    /// <param name="status">The status, or <see langword="null"/> for all.</param>
    /// <returns>The orders.</returns>
    public IReadOnlyList<Order> List(string? status)
    {
        lock (_orders)
        {
            return [.. _orders.Values.Where(o => status is null || string.Equals(o.Status, status, StringComparison.OrdinalIgnoreCase)).OrderBy(o => o.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>Gets an order.</summary>
    /// <param name="id">The order id.</param>
    /// <returns>The order, or <see langword="null"/> when there is none.</returns>
    public Order? Get(string id)
    {
        lock (_orders)
        {
            return _orders.GetValueOrDefault(id);
        }
    }

    /// <summary>Cancels an order that has not shipped.</summary>
    /// <param name="id">The order id.</param>
    /// <returns>The cancelled order, or <see langword="null"/> when there is none or it has shipped.</returns>
    public Order? Cancel(string id)
    {
        lock (_orders)
        {
            if (!_orders.TryGetValue(id, out var order) || order.Status == "shipped")
            {
                return null;
            }

            return _orders[id] = order with { Status = "cancelled" };
        }
    }
}
