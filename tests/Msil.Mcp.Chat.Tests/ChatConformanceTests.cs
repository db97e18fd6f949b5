using Msil.Mcp.Conformance;

namespace Msil.Mcp.Chat.Tests;

/// <summary>
/// The conformance checks every package passes (<see cref="FeatureConformanceTests{TOptions}"/>), for Msil.Mcp.Chat: a
/// web application that registers through its own <c>AddMsilMcpChat</c> (no <c>AddMsilMcp</c> under it) and has no
/// health check of its own.
/// </summary>
public sealed class ChatConformanceTests : FeatureConformanceTests<MsilMcpChatOptions>
{
    protected override string TelemetryName => ChatTelemetry.Name;

    protected override IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>
    {
        ["Msil:Mcp:Chat:Authority"] = "http://127.0.0.1:5100/dev/oidc",
    };

    protected override IReadOnlyDictionary<string, string?> BadConfiguration => new Dictionary<string, string?> { ["Msil:Mcp:Chat:MaxToolCallsPerTurn"] = "0" };

    protected override string BadConfigurationKey => "Msil:Mcp:Chat:MaxToolCallsPerTurn";

    protected override bool HasHealthCheck => false;

    protected override void AddDefaults(IServiceCollection services, int times)
    {
        for (var i = 0; i < times; i++)
        {
            services.AddMsilMcpChat();
        }
    }

    protected override void AddConfigured(IServiceCollection services, IConfiguration configuration)
        => services.AddMsilMcpChat(configuration.GetSection(MsilMcpChatOptions.SectionName));

    // Chat is not a feature of an MCP server: AddDefaults and AddConfigured register it.
    protected override void AddFeature(IMsilMcpBuilder builder)
    {
    }

    protected override void AddFeature(IMsilMcpBuilder builder, IConfiguration configuration)
    {
    }

    protected override ValueTask ExerciseAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        services.GetRequiredService<ChatTelemetry>().ToolCallEnded(ToolCallStatus.Succeeded);
        _ = ChatTelemetry.Source;

        // The agent and the model catalog take the package's loggers.
        services.GetRequiredService<ChatAgent>();
        services.GetRequiredService<ChatModelCatalog>();
        return ValueTask.CompletedTask;
    }
}
