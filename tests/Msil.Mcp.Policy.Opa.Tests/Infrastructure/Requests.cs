using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Policy.Opa.Tests.Infrastructure;

/// <summary>Builds callers, tools and policy requests for tests.</summary>
internal static class Requests
{
    public static CallerIdentity User(string id, string[]? roles = null, string[]? groups = null, bool authenticated = true) => new()
    {
        UserId = id,
        Subject = "sub-" + id,
        Roles = roles ?? [],
        Groups = groups ?? [],
        IsAuthenticated = authenticated,
    };

    public static ToolDefinition Tool(string name, RiskLevel risk, string version = "1.0.0") => new()
    {
        Name = name,
        Description = "Test tool " + name,
        Version = version,
        RiskLevel = risk,
        InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone(),
        Executor = "test",
        Source = "test",
        ContentHash = name + "-" + risk + "-" + version,
    };

    public static PolicyRequest Execute(CallerIdentity user, ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments = null)
        => new(user, tool, PolicyAction.Execute, arguments);

    public static PolicyRequest List(CallerIdentity user, ToolDefinition tool) => new(user, tool, PolicyAction.List);

    public static PolicyRequest Alice(string tool = "get_vehicle_inventory", RiskLevel risk = RiskLevel.Read, PolicyAction action = PolicyAction.Execute)
        => new(User("alice", ["viewer"], ["dealer-ops"]), Tool(tool, risk), action);
}
