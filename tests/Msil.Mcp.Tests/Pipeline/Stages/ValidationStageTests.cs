using System.Text.Json;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Pipeline.Stages;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline.Stages;

public sealed class ValidationStageTests
{
    private static readonly ValidationStage Stage = new(new StaticOptionsMonitor<MsilMcpOptions>(new MsilMcpOptions { MaxArgumentBytes = 1024 }));

    private static ToolDefinition Booking() => Tools.Define("book", RiskLevel.Write, """
        {"type":"object","required":["customer_id"],"additionalProperties":false,"properties":{"customer_id":{"type":"string"}}}
        """);

    [Fact]
    public void Validate_Violations_ToolErrorNamesEachAndAuditsTheHash()
    {
        var state = StageFixtures.State(Booking());

        var error = Stage.Validate(new Dictionary<string, JsonElement> { ["colour"] = JsonDocument.Parse("\"red\"").RootElement }, state, out var document);
        document?.Dispose();

        Assert.True(error!.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(error.Content)).Text;
        Assert.Contains("customer_id: is required", text, StringComparison.Ordinal);
        Assert.Contains("colour", text, StringComparison.Ordinal);
        Assert.Equal(AuditOutcomes.InvalidArguments, state.Outcome);
        Assert.NotNull(state.ArgumentsHash);
    }

    [Fact]
    public void Validate_OverTheSizeLimit_RefusedBeforeTheSchema()
    {
        var state = StageFixtures.State(Booking());

        var error = Stage.Validate(new Dictionary<string, JsonElement> { ["customer_id"] = JsonDocument.Parse($"\"{new string('x', 2000)}\"").RootElement }, state, out _);

        Assert.Contains("the limit is 1024 bytes", Assert.IsType<TextContentBlock>(Assert.Single(error!.Content)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Valid_SnapshotWithTheFixedArgumentsBound()
    {
        var tool = Booking() with { FixedArguments = new Dictionary<string, JsonElement> { ["tenant"] = JsonDocument.Parse("\"t1\"").RootElement } };
        var state = StageFixtures.State(tool);
        var arguments = new Dictionary<string, JsonElement> { ["customer_id"] = JsonDocument.Parse("\"C1\"").RootElement };

        Assert.Null(Stage.Validate(arguments, state, out var document));
        document?.Dispose();
        arguments["customer_id"] = JsonDocument.Parse("\"changed later\"").RootElement;

        Assert.Equal("C1", state.Arguments["customer_id"].GetString());
        Assert.Equal("t1", state.Arguments["tenant"].GetString());
    }
}

/// <summary>An options monitor that always returns one value.</summary>
internal sealed class StaticOptionsMonitor<T>(T value) : Microsoft.Extensions.Options.IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
