using System.Collections.Concurrent;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp;
using Msil.Mcp.ConformanceServer;
using Msil.Mcp.RateLimiting;

// The conformance host: the official MCP conformance suite (build/conformance.sh) runs against this. Every test_* tool
// is a governed catalog tool (embedded policy, audit to a temporary directory, rate limits); callers are anonymous
// because the suite cannot send a token.
//
//   dotnet Msil.Mcp.ConformanceServer.dll --urls http://127.0.0.1:PORT [--mode stateless|stateful] [--audit-dir DIR]
//
// ASPNETCORE_ENVIRONMENT must not be Production: AllowAnonymousCallers() refuses to start there.
var builder = WebApplication.CreateBuilder(args);
var mode = builder.Configuration["mode"] ?? "stateless";
if (mode is not ("stateless" or "stateful"))
{
    Console.Error.WriteLine($"--mode must be 'stateless' or 'stateful', not '{mode}'.");
    return 2;
}

// DNS-rebinding protection: host filtering refuses any Host header but loopback names (explicit configuration wins).
if (string.IsNullOrEmpty(builder.Configuration["AllowedHosts"]) || builder.Configuration["AllowedHosts"] == "*")
{
    builder.Configuration["AllowedHosts"] = "localhost;127.0.0.1;[::1]";
}

var auditDir = builder.Configuration["audit-dir"] ?? Path.Combine(Path.GetTempPath(), $"msil-conformance-audit-{Environment.ProcessId}");
builder.Services.Configure<RateLimitOptions>(o =>
{
    // The suite calls the same tools many times in a few seconds, all as one anonymous caller.
    o.PerUser.PermitsPerMinute = 60_000;
    o.PerUser.Burst = 10_000;
    o.Read.PermitsPerMinute = 60_000;
    o.Read.Burst = 10_000;
});

var msil = builder.Services.AddMsilMcp(o =>
{
    o.ServerName = "msil-conformance";
    o.SessionMode = mode == "stateful" ? McpSessionMode.Stateful : McpSessionMode.Stateless;
});
msil.AllowAnonymousCallers("conformance", ["operator"])
    .AddOpaPolicy()
    .AddAudit(o =>
    {
        o.Directory = auditDir;
        o.EnableQueryApi = false;
    })
    .AddToolExecutor<ConformanceToolExecutor>()
    .AddTools("conformance", ConformanceTools.Definitions);

// Stateful sessions keep their SSE events, so a client can resume a stream the server closed (SEP-1699).
if (mode == "stateful")
{
    builder.Services.AddDistributedMemoryCache();
#pragma warning disable MCP9006 // stateful-only SDK setting; this host's stateful mode exists to run the 2025 scenarios.
    msil.Mcp.WithDistributedCacheEventStreamStore();
#pragma warning restore MCP9006
}

// Resources, prompts, completion and subscriptions are not tools: plain SDK registration.
var subscriptions = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
msil.Mcp
    .WithResources<ConformanceResources>()
    .WithPrompts<ConformancePrompts>()
    .WithSubscribeToResourcesHandler((request, _) =>
    {
        subscriptions[(request.Server.SessionId ?? "-") + " " + request.Params?.Uri] = 0;
        return ValueTask.FromResult(new EmptyResult());
    })
    .WithUnsubscribeFromResourcesHandler((request, _) =>
    {
        subscriptions.TryRemove((request.Server.SessionId ?? "-") + " " + request.Params?.Uri, out byte _);
        return ValueTask.FromResult(new EmptyResult());
    })
    .WithRequestFilters(filters => filters.AddReadResourceFilter(next => async (request, cancellationToken) =>
    {
        try
        {
            return await next(request, cancellationToken);
        }
        catch (McpProtocolException ex) when (ex.ErrorCode is McpErrorCode.ResourceNotFound or McpErrorCode.InvalidParams)
        {
            // SEP-2164: the error names the URI that was not found (the SDK sends Exception.Data as the error's data).
            ex.Data["uri"] = request.Params?.Uri;
            throw;
        }
    }))
    .WithCompleteHandler((request, _) =>
    {
        string[] candidates = request.Params?.Argument.Name switch
        {
            "arg1" or "arg2" => ["paris", "park", "party", "test", "value"],
            "id" => ["1", "2", "123"],
            _ => [],
        };
        var prefix = request.Params?.Argument.Value ?? string.Empty;
        var values = candidates.Where(c => c.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList();
        return ValueTask.FromResult(new CompleteResult { Completion = new Completion { Values = values, Total = values.Count, HasMore = false } });
    });

var app = builder.Build();
app.MapMsilMcp("/mcp");
app.MapGet("/health", () => "ok");
await app.RunAsync();
return 0;
