using System.ComponentModel.DataAnnotations;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Abstractions.Tools;

namespace Msil.Mcp.CustomHost;

/// <summary>How a part is held in stock.</summary>
public enum StockState
{
    /// <summary>Available to reserve.</summary>
    Available,

    /// <summary>Reserved for a work order.</summary>
    Reserved,

    /// <summary>Written off.</summary>
    WrittenOff,
}

/// <summary>The stock of one part at one depot.</summary>
/// <param name="PartNumber">The part number.</param>
/// <param name="Depot">The depot code.</param>
/// <param name="Quantity">Units in stock.</param>
/// <param name="State">The stock's state.</param>
/// <param name="UpdatedAt">When the stock last changed.</param>
public sealed record StockLevel(string PartNumber, string Depot, int Quantity, StockState State, DateTimeOffset UpdatedAt);

/// <summary>A reservation request line.</summary>
/// <param name="PartNumber">The part number.</param>
/// <param name="Quantity">Units to reserve.</param>
public sealed record ReservationLine(
    [property: Required, RegularExpression("^P-[0-9]{4}$")] string PartNumber,
    [property: Range(1, 50)] int Quantity);

/// <summary>The result of a reservation.</summary>
/// <param name="ReservationId">The reservation's id.</param>
/// <param name="Lines">What was reserved.</param>
/// <param name="ReservedBy">Who reserved it.</param>
public sealed record Reservation(Guid ReservationId, IReadOnlyList<ReservationLine> Lines, string ReservedBy);

/// <summary>The inventory this host serves (in memory for the sample).</summary>
public sealed class InventoryStore(TimeProvider time)
{
    private readonly Dictionary<string, int> _stock = new(StringComparer.Ordinal) { ["P-1001"] = 40, ["P-1002"] = 5, ["P-2001"] = 0 };

    /// <summary>Gets the stock level of a part.</summary>
    /// <param name="partNumber">The part number.</param>
    /// <param name="depot">The depot code.</param>
    /// <returns>The stock level, or <see langword="null"/> for an unknown part.</returns>
    public StockLevel? Get(string partNumber, string depot)
    {
        lock (_stock)
        {
            return _stock.TryGetValue(partNumber, out var quantity)
                ? new StockLevel(partNumber, depot, quantity, quantity > 0 ? StockState.Available : StockState.WrittenOff, time.GetUtcNow())
                : null;
        }
    }

    /// <summary>Takes units out of stock.</summary>
    /// <param name="partNumber">The part number.</param>
    /// <param name="quantity">The units.</param>
    /// <returns>Whether there was enough stock.</returns>
    public bool Take(string partNumber, int quantity)
    {
        lock (_stock)
        {
            if (!_stock.TryGetValue(partNumber, out var available) || available < quantity)
            {
                return false;
            }

            _stock[partNumber] = available - quantity;
            return true;
        }
    }
}

/// <summary>The host's own tools: C# methods that the Msil.Mcp generator turns into governed tools.</summary>
[MsilToolClass(Domain = "inventory")]
public sealed partial class InventoryTools(InventoryStore store)
{
    /// <summary>Gets the stock level of a part at a depot.</summary>
    /// <param name="partNumber">The part number, for example P-1001.</param>
    /// <param name="depot">The depot code.</param>
    /// <returns>The stock level, or null when the part is unknown.</returns>
    [MsilTool(RiskLevel.Read, Title = "Get stock level")]
    public StockLevel? GetStockLevel([RegularExpression("^P-[0-9]{4}$")] string partNumber, [StringLength(8, MinimumLength = 2)] string depot = "MAIN")
        => store.Get(partNumber, depot);

    /// <summary>Reserves parts for a work order.</summary>
    /// <param name="lines">The parts and quantities.</param>
    /// <param name="caller">The caller (injected).</param>
    /// <param name="cancellationToken">Cancels the call (injected).</param>
    /// <returns>The reservation.</returns>
    [MsilTool(RiskLevel.Write)]
    public async Task<ToolResult> ReserveStockAsync(IReadOnlyList<ReservationLine> lines, CallerIdentity caller, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var line in lines)
        {
            if (!store.Take(line.PartNumber, line.Quantity))
            {
                return new ToolResult { Text = $"Not enough stock of {line.PartNumber}.", IsError = true };
            }
        }

        return new ToolResult { Text = $"Reserved {lines.Count} line(s) for {caller.UserId}." };
    }

    /// <summary>Writes off the whole stock of a part (privileged: needs an approved elevation).</summary>
    /// <param name="partNumber">The part number.</param>
    /// <param name="reason">Why the stock is written off.</param>
    /// <returns>A confirmation.</returns>
    [MsilTool(RiskLevel.Privileged, Name = "write_off_stock")]
    public string WriteOff([RegularExpression("^P-[0-9]{4}$")] string partNumber, [StringLength(200, MinimumLength = 5)] string reason)
    {
        var level = store.Get(partNumber, "MAIN");
        return level is null || !store.Take(partNumber, level.Quantity)
            ? $"Nothing to write off for {partNumber}."
            : $"Wrote off {level.Quantity} unit(s) of {partNumber}: {reason}";
    }
}
