using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Pipeline;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline.Stages;

/// <summary>Call states and services for testing one stage alone.</summary>
internal static class StageFixtures
{
    public static CallerIdentity Caller(string user = "alice", params string[] roles) => new()
    {
        UserId = user,
        Subject = "sub-" + user,
        Roles = roles,
        IsAuthenticated = true,
    };

    public static CallState State(ToolDefinition? tool = null, CallerIdentity? caller = null) => new()
    {
        ToolName = tool?.Name ?? "look",
        CorrelationId = "0123456789abcdef0123456789abcdef",
        StartTimestamp = TimeProvider.System.GetTimestamp(),
        Caller = caller ?? Caller(),
        Tool = CompiledTool.Compile(tool ?? Tools.Define("look", RiskLevel.Read)),
    };

    /// <summary>The core's services with <paramref name="configure"/> applied (the stages resolve as in a host).</summary>
    public static ServiceProvider Services(Action<IMsilMcpBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var mcp = services.AddMsilMcp();
        configure?.Invoke(mcp);
        return services.BuildServiceProvider();
    }
}
