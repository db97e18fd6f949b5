using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.Tests.Support;

namespace Msil.Mcp.Audit.Tests;

/// <summary>A governed call through a real host and the SDK client: the chain file keeps the arguments, redacted.</summary>
public sealed class ArgumentRedactionEndToEndTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CallTool_SensitiveArguments_RecordKeepsThemRedactedAndTheChainVerifies()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AuditTestHost.StartAsync(_dir.Path, services: s =>
        {
            var mcp = s.AddMsilMcp();
            mcp.AddToolExecutor<OkExecutor>();
            mcp.AddTools("test", [Tool()]);
        });
        await using var client = await host.ConnectAsync("alice", "viewer");

        var result = await client.CallToolAsync("login_check", new Dictionary<string, object?>
        {
            ["user_name"] = "alice",
            ["password"] = "Tr0ub4dor&3",
            ["email"] = "alice@example.test",
        }, cancellationToken: ct);
        await host.StopAsync();

        Assert.NotEqual(true, result.IsError);
        var text = string.Concat(Directory.GetFiles(_dir.Path, "audit-*.jsonl").Order(StringComparer.Ordinal).Select(File.ReadAllText));
        var line = Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("\"tool\":\"login_check\"", StringComparison.Ordinal));
        using var record = JsonDocument.Parse(line);
        var args = record.RootElement.GetProperty("args");
        Assert.Equal("alice", args.GetProperty("user_name").GetString());
        Assert.Equal("[redacted:secret]", args.GetProperty("password").GetString());
        Assert.Equal("[redacted:personal]", args.GetProperty("email").GetString());
        Assert.DoesNotContain("Tr0ub4dor", text, StringComparison.Ordinal);
        Assert.DoesNotContain("alice@example.test", text, StringComparison.Ordinal);
        Assert.Equal(64, record.RootElement.GetProperty("args_sha256").GetString()!.Length);
        var verification = AuditLogVerifier.VerifyDirectory(_dir.Path);
        Assert.True(verification.IsValid, verification.ToString());
    }

    private static ToolDefinition Tool() => new()
    {
        Name = "login_check",
        Description = "Checks a login.",
        RiskLevel = RiskLevel.Read,
        InputSchema = JsonDocument.Parse("""
            {"type":"object","required":["user_name"],"properties":{
              "user_name":{"type":"string"},"password":{"type":"string"},"email":{"type":"string"}}}
            """).RootElement.Clone(),
        Executor = OkExecutor.ExecutorKind,
        Source = "test",
        ContentHash = "c1",
    };

    private sealed class OkExecutor : IToolExecutor
    {
        public const string ExecutorKind = "ok";

        public string Kind => ExecutorKind;

        public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
            => ValueTask.FromResult(new ToolResult { Text = "ok", Size = 2 });
    }
}
