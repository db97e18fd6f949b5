using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Abstractions.Tools;

namespace Msil.Mcp.Generators.Tests.Runtime;

public enum OrderStatus
{
    Pending,
    Shipped,
    Cancelled,
}

/// <summary>Where an order goes.</summary>
/// <param name="Street">The street and number.</param>
/// <param name="PostCode">The post code.</param>
/// <param name="City">The city, if known.</param>
public sealed record Address(string Street, [property: StringLength(10)] string PostCode, string? City = null);

public sealed record OrderLine([property: Required, RegularExpression("^[A-Z]{3}-[0-9]{3}$")] string Sku, [property: Range(1, 100)] int Quantity);

public sealed record Order(Guid Id, string Customer, OrderStatus Status, DateTimeOffset PlacedAt, IReadOnlyList<OrderLine> Lines, Address? ShipTo);

/// <summary>A category tree (recursive).</summary>
public sealed class Category
{
    public string Name { get; set; } = string.Empty;

    public List<Category>? Children { get; set; }
}

public interface IOrderStore
{
    Order? Find(Guid id);

    Order Add(Order order);
}

public sealed class InMemoryOrderStore(TimeProvider time) : IOrderStore
{
    private readonly Dictionary<Guid, Order> _orders = [];

    public DateTimeOffset Now => time.GetUtcNow();

    public Order? Find(Guid id)
    {
        lock (_orders)
        {
            return _orders.GetValueOrDefault(id);
        }
    }

    public Order Add(Order order)
    {
        lock (_orders)
        {
            _orders[order.Id] = order;
        }

        return order;
    }
}

/// <summary>Order tools used by the runtime tests and the benchmark.</summary>
[MsilToolClass(Domain = "orders")]
public partial class OrderTools(IOrderStore store, TimeProvider time)
{
    /// <summary>Gets an order by its id.</summary>
    /// <param name="id">The order id.</param>
    /// <returns>The order, or null.</returns>
    [MsilTool(RiskLevel.Read, Title = "Get order")]
    public Order? GetOrder(Guid id) => store.Find(id);

    /// <summary>Places an order for a customer.</summary>
    /// <param name="customer">The customer's name.</param>
    /// <param name="lines">What is ordered.</param>
    /// <param name="shipTo">Where it goes; the customer's address when left out.</param>
    /// <param name="caller">The caller (injected).</param>
    /// <param name="status">The initial status.</param>
    /// <param name="cancellationToken">Cancels the call (injected).</param>
    [MsilTool(RiskLevel.Write)]
    public async Task<Order> PlaceOrderAsync(
        [Required, StringLength(40, MinimumLength = 2)] string customer,
        [MinLength(1)] IReadOnlyList<OrderLine> lines,
        Address? shipTo,
        CallerIdentity caller,
        OrderStatus status = OrderStatus.Pending,
        CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return store.Add(new Order(Guid.NewGuid(), customer + " (by " + caller.UserId + ")", status, time.GetUtcNow(), lines, shipTo));
    }

    /// <summary>Purges old orders of a region.</summary>
    /// <param name="olderThanDays">Age in days.</param>
    /// <param name="region">Three-letter region code.</param>
    [MsilTool(RiskLevel.Privileged, Name = "purge-orders")]
    public static string PurgeOrders([Range(1, 365)] int olderThanDays, [RegularExpression("^[A-Z]{3}$")] string region)
        => $"Purged orders older than {olderThanDays} days in {region}.";

    /// <summary>Counts the categories in a tree.</summary>
    /// <param name="root">The tree.</param>
    [MsilTool(RiskLevel.Read)]
    public static int CountCategories(Category root) => 1 + (root.Children?.Sum(CountCategories) ?? 0);

    [Description("Says who is calling.")]
    [MsilTool(RiskLevel.Read, Name = "who_am_i")]
    public static ValueTask<string> WhoAmIAsync(CallerIdentity caller, IOrderStore orders) => new(caller.UserId + (orders is null ? string.Empty : " (store ok)"));

    /// <summary>Counts the orders of a region; the region and page are mirrored into Mcp-Param headers (SEP-2243).</summary>
    /// <param name="region">The region code.</param>
    /// <param name="page">The page, from 1.</param>
    [MsilTool(RiskLevel.Read)]
    public static string CountRegionOrders([MsilHeader("Region")] string region, [MsilHeader("Page")] int page = 1)
        => $"{region}: page {page}";

    /// <summary>Adds two numbers (used by the dispatch benchmark).</summary>
    /// <param name="a">The first number.</param>
    /// <param name="b">The second number.</param>
    [MsilTool(RiskLevel.Read)]
    public static int Add(int a, int b) => a + b;
}
