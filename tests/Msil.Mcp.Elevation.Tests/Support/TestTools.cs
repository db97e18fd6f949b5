using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation.Tests.Support;

/// <summary>A read, a write and two privileged tools, run by a <see cref="Msil.Mcp.Testing.ScriptedToolExecutor"/>.</summary>
internal static class TestTools
{
    public const string Read = "get_vehicle_inventory";
    public const string Write = "create_booking";
    public const string Privileged = "delete_customer_data";
    public const string OtherPrivileged = "purge_dealer_data";

    public static IReadOnlyList<ToolDefinition> All { get; } =
    [
        Define(Read, RiskLevel.Read),
        Define(Write, RiskLevel.Write),
        Define(Privileged, RiskLevel.Privileged),
        Define(OtherPrivileged, RiskLevel.Privileged),
    ];

    public static ToolDefinition Get(string name) => All.Single(t => t.Name == name);

    public static ToolDefinition Define(string name, RiskLevel risk) => new()
    {
        Name = name,
        Description = "Test tool " + name,
        RiskLevel = risk,
        InputSchema = JsonDocument.Parse("""{"type":"object","properties":{"id":{"type":"string"},"reason":{"type":"string"}},"additionalProperties":false}""").RootElement.Clone(),
        Executor = Msil.Mcp.Testing.ScriptedToolExecutor.DefaultKind,
        Source = "test",
        ContentHash = "hash-" + name,
    };

    public static IReadOnlyDictionary<string, JsonElement> Args(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }
}
