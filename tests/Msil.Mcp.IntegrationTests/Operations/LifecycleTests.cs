using System.Text.Json;
using ModelContextProtocol.Client;
using Msil.Mcp.Abstractions;
using Msil.Mcp.ReferenceServer;

namespace Msil.Mcp.IntegrationTests.Operations;

/// <summary>Graceful shutdown of the reference server: a call in flight when the host is stopped finishes, and is audited.</summary>
[Trait("Category", "EndToEnd")]
public sealed class LifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StopAsync_CallInFlight_CallCompletesAndItsAuditRecordIsInTheFile()
    {
        var audit = Path.Combine(Path.GetTempPath(), "msil-mcp-shutdown-" + Guid.NewGuid().ToString("N")[..8]);
        var url = $"http://127.0.0.1:{Msil.Mcp.Testing.LoopbackPorts.Free()}";
        var gate = new SlowExecutor.Gate();
        var app = ReferenceServerApp.Create(
            ["--urls", url, "--environment", "Development", "--Msil:Mcp:Audit:Directory", audit, "--Logging:LogLevel:Default", "Warning"],
            b =>
            {
                b.Services.AddSingleton(gate);
                b.Services.AddMsilMcp().AddToolExecutor<SlowExecutor>().AddTools("test", [SlowExecutor.Tool]);
            });
        await app.StartAsync(Ct);
        try
        {
            using var http = new HttpClient();
            using var tokenResponse = await http.PostAsync(url + "/dev/oidc/token", new FormUrlEncodedContent([new("username", "alice")]), Ct);
            var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("access_token").GetString()!;
            await using var client = await McpClient.CreateAsync(
                new HttpClientTransport(new HttpClientTransportOptions
                {
                    Endpoint = new Uri(url + "/mcp"),
                    AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
                }),
                cancellationToken: Ct);

            var call = client.CallToolAsync(SlowExecutor.Tool.Name, new Dictionary<string, object?>(), cancellationToken: Ct).AsTask();
            await gate.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            app.Lifetime.ApplicationStopping.Register(stopping.SetResult);
            var stop = app.StopAsync(CancellationToken.None);
            await stopping.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

            Assert.False(call.IsCompleted, "the call is still running when shutdown begins");
            gate.Release.SetResult();
            var result = await call.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            await stop.WaitAsync(TimeSpan.FromSeconds(60), Ct);

            Assert.NotEqual(true, result.IsError);
            Assert.Contains("slow result", ((ModelContextProtocol.Protocol.TextContentBlock)result.Content[0]).Text, StringComparison.Ordinal);
            var lines = Directory.GetFiles(audit, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(".checkpoint", StringComparison.Ordinal))
                .SelectMany(File.ReadLines)
                .ToList();
            Assert.Contains(lines, l => l.Contains("\"" + SlowExecutor.Tool.Name + "\"", StringComparison.Ordinal) && l.Contains("\"success\"", StringComparison.Ordinal));
        }
        finally
        {
            await app.DisposeAsync();
            try
            {
                Directory.Delete(audit, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }


    /// <summary>A read tool that runs until the test releases it.</summary>
    private sealed class SlowExecutor(SlowExecutor.Gate gate) : IToolExecutor
    {
        public static readonly ToolDefinition Tool = new()
        {
            Name = "slow_probe",
            Description = "Waits until released.",
            RiskLevel = RiskLevel.Read,
            InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone(),
            Executor = "slow",
            Source = "test",
            ContentHash = "slow-probe-1",
        };

        public string Kind => "slow";

        public async ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
        {
            gate.Started.TrySetResult();
            await gate.Release.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return new ToolResult { Text = "slow result" };
        }

        public sealed class Gate
        {
            public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
