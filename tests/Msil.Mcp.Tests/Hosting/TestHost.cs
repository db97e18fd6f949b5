using System.Text.Json;
using ModelContextProtocol.Client;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Tests.Hosting;

/// <summary>
/// A real Kestrel host on a loopback port with the governed server (Msil.Mcp.Testing's host and test identity, so
/// pipeline tests do not depend on the Auth package); the MCP endpoint does not require a caller.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly MsilMcpTestHost _host;

    private TestHost(MsilMcpTestHost host)
    {
        _host = host;
        BaseUrl = host.BaseAddress.ToString().TrimEnd('/');
    }

    public string BaseUrl { get; }

    public IServiceProvider Services => _host.Services;

    public static async Task<TestHost> StartAsync(Action<IMsilMcpBuilder>? configure = null, Action<MsilMcpOptions>? options = null)
    {
        var host = await MsilMcpTestHost.StartAsync(
            mcp =>
            {
                if (options is not null)
                {
                    mcp.Services.Configure(options);
                }

                configure?.Invoke(mcp);
            },
            o => o.RequireAuthorization = false,
            TestContext.Current.CancellationToken);
        return new TestHost(host);
    }

    public Task<McpClient> ConnectAsync(string? user = null, params string[] roles) => ConnectAsync(null, user, roles);

    public Task<McpClient> ConnectAsync(McpClientOptions? clientOptions, string? user, params string[] roles)
        => _host.ConnectAsync(user is null ? null : TestCaller.Create(user, roles), clientOptions, TestContext.Current.CancellationToken);

    public HttpClient CreateHttpClient(string? user, params string[] roles) => _host.CreateHttpClient(user is null ? null : TestCaller.Create(user, roles));

    public Task<McpHttpAnswer> PostJsonRpcAsync(string message, string? user, params string[] roles)
        => _host.PostJsonRpcAsync(user is null ? null : TestCaller.Create(user, roles), message, TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}

/// <summary>Tool definitions and recording fakes for pipeline tests.</summary>
internal static class Tools
{
    public static ToolDefinition Define(string name, RiskLevel risk, string schema = """{"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":false}""") => new()
    {
        Name = name,
        Description = "Test tool " + name,
        RiskLevel = risk,
        InputSchema = JsonDocument.Parse(schema).RootElement.Clone(),
        Executor = RecordingExecutor.ExecutorKind,
        Source = "test",
        ContentHash = name + "-" + risk + "-" + schema.GetHashCode(StringComparison.Ordinal),
    };
}

/// <summary>Records the order in which stages ran.</summary>
internal sealed class StageLog
{
    private readonly List<string> _entries = [];

    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_entries)
            {
                return _entries.ToArray();
            }
        }
    }

    public void Add(string entry)
    {
        lock (_entries)
        {
            _entries.Add(entry);
        }
    }
}

internal sealed class RecordingExecutor(StageLog log) : IToolExecutor
{
    public const string ExecutorKind = "test";

    public string Kind => ExecutorKind;

    public string ResultText { get; set; } = """{"ok":true}""";

    public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        log.Add("execute:" + invocation.Tool.Name);
        return new(new ToolResult
        {
            Text = ResultText,
            StructuredContent = ResultText.StartsWith('{') ? JsonDocument.Parse(ResultText).RootElement.Clone() : null,
            Size = ResultText.Length,
        });
    }
}

internal sealed class RecordingPolicy(StageLog log) : IPolicyDecisionPoint
{
    public Func<PolicyRequest, PolicyDecision> Decide { get; set; } = _ => PolicyDecision.Allowed("test allows", "test");

    public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
    {
        if (request.Action == PolicyAction.Execute)
        {
            log.Add("policy:" + request.Tool.Name);
        }

        return new(Decide(request));
    }
}

internal sealed class RecordingElevation(StageLog log) : IElevationGate
{
    public Func<ElevationCheck>? Result { get; set; }

    /// <summary>Gets the request reference (the correlation id) of the last check.</summary>
    public string? LastCorrelationId { get; private set; }

    public ValueTask<ElevationCheck> CheckAsync(CallerIdentity caller, ToolDefinition tool, IReadOnlyDictionary<string, JsonElement> arguments, string correlationId, CancellationToken cancellationToken)
    {
        LastCorrelationId = correlationId;
        log.Add("elevation:" + tool.Name);
        return new(Result?.Invoke() ?? new ElevationCheck(ElevationOutcome.Granted, "granted", tool.Name, new ElevationGrant
        {
            UserId = caller.UserId,
            PrincipalKey = caller.PrincipalKey,
            Scope = tool.Name,
            GrantedAt = DateTimeOffset.MinValue,
            ExpiresAt = DateTimeOffset.MaxValue,
            ApprovalReference = "PIM-TEST-1",
        }));
    }
}

internal sealed class RecordingAudit(StageLog log) : IAuditSink
{
    private readonly List<AuditRecord> _records = [];

    public IReadOnlyList<AuditRecord> Records
    {
        get
        {
            lock (_records)
            {
                return _records.ToArray();
            }
        }
    }

    public ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        log.Add("audit:" + record.Outcome);
        lock (_records)
        {
            _records.Add(record);
        }

        return ValueTask.CompletedTask;
    }
}
