using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Discovery;
using Msil.Mcp.Registry.OpenApi;
using Msil.Mcp.Registry.Store;

namespace Msil.Mcp.Cli;

/// <summary>
/// <c>msil-mcp openapi compile &lt;file&gt; [--json]</c> and <c>msil-mcp openapi diff &lt;old&gt; &lt;new&gt;</c>. Exit 0 when the
/// document(s) were read, even with per-operation diagnostics; 2 with a message when one could not be read.
/// </summary>
internal static class OpenApiCommands
{
    public const string Usage = """
        Usage:
          msil-mcp openapi compile <file> [--json]   the tools a document gives, and the report of what was not
          msil-mcp openapi diff <old> <new>          what importing <new> over <old> would add, change and remove
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        switch (args.Length > 1 ? args[1] : null)
        {
            case "compile" when args.Length is 3 or 4 && (args.Length == 3 || args[3] == "--json"):
                return await CompileAsync(args[2], args.Length == 4, output, error, cancellationToken).ConfigureAwait(false);
            case "diff" when args.Length == 4:
                return await DiffAsync(args[2], args[3], output, error, cancellationToken).ConfigureAwait(false);
            default:
                await error.WriteLineAsync($"error: unknown or incomplete command '{string.Join(' ', args)}'.").ConfigureAwait(false);
                await error.WriteLineAsync().ConfigureAwait(false);
                await error.WriteLineAsync(Usage).ConfigureAwait(false);
                return CliApp.UsageOrConnectionError;
        }
    }

    private static async Task<int> CompileAsync(string file, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var compilation = await ReadAsync(file, error, cancellationToken).ConfigureAwait(false);
        if (compilation is null)
        {
            return CliApp.UsageOrConnectionError;
        }

        if (json)
        {
            await output.WriteLineAsync(ToJson(compilation, Path.GetFileName(file)).ToJsonString(new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
            return CliApp.Verified;
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{file}: OpenAPI {compilation.SpecVersion ?? "?"}, {compilation.OperationCount} operations, {compilation.Tools.Count} tools")).ConfigureAwait(false);
        foreach (var tool in compilation.Tools)
        {
            var arguments = tool.InputSchema.TryGetProperty("properties", out var p) ? p.EnumerateObject().Count() : 0;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {tool.Name,-40} {tool.RiskLevel.ToWire(),-10} {tool.Http?.Method} {tool.Http?.PathTemplate} ({arguments} arguments)")).ConfigureAwait(false);
        }

        await WriteReportAsync(compilation, output).ConfigureAwait(false);
        return CliApp.Verified;
    }

    private static async Task<int> DiffAsync(string oldFile, string newFile, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        // Both under one source name, as a re-import would be: only the content decides what changed.
        var before = await ReadAsync(oldFile, error, cancellationToken, "document").ConfigureAwait(false);
        var after = before is null ? null : await ReadAsync(newFile, error, cancellationToken, "document").ConfigureAwait(false);
        if (before is null || after is null)
        {
            return CliApp.UsageOrConnectionError;
        }

        var existing = before.Tools.ToDictionary(
            t => t.Name,
            t => new ExistingTool(t.Name, "openapi:document", false, false, 1, 1, t, new Dictionary<string, int> { [t.ContentHash] = 1 }),
            StringComparer.Ordinal);
        var plan = ImportPlanner.Plan("openapi:document", after.Tools, existing);
        var added = plan.Changes.Where(c => c.Kind == ToolChangeKind.Added).ToArray();
        var changed = plan.Changes.Where(c => c.Kind == ToolChangeKind.Changed).ToArray();
        var removed = plan.Changes.Where(c => c.Kind == ToolChangeKind.Removed).ToArray();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{oldFile} → {newFile}: {added.Length} added, {changed.Length} changed, {removed.Length} removed, {plan.Count(ToolChangeKind.Unchanged)} unchanged")).ConfigureAwait(false);
        foreach (var c in added)
        {
            await output.WriteLineAsync($"  + {c.Name}: {c.Reason}").ConfigureAwait(false);
        }

        foreach (var c in changed)
        {
            await output.WriteLineAsync($"  ~ {c.Name}: {c.Reason}").ConfigureAwait(false);
        }

        foreach (var c in removed)
        {
            await output.WriteLineAsync($"  - {c.Name}: {c.Reason}").ConfigureAwait(false);
        }

        await WriteReportAsync(after, output).ConfigureAwait(false);
        return CliApp.Verified;
    }

    private static async Task<OpenApiCompilation?> ReadAsync(string file, TextWriter error, CancellationToken cancellationToken, string? sourceName = null)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            await error.WriteLineAsync($"error: cannot read '{file}': {ex.Message}").ConfigureAwait(false);
            return null;
        }

        var compilation = new OpenApiToolCompiler().Compile(new MemoryStream(bytes, writable: false), sourceName ?? Path.GetFileNameWithoutExtension(file));
        if (!compilation.Succeeded)
        {
            var first = compilation.Diagnostics.FirstOrDefault(d => d.Severity == CompileSeverity.Error);
            await error.WriteLineAsync($"error: '{file}' is not a readable OpenAPI document: {first?.Message ?? "unknown problem"}").ConfigureAwait(false);
            return null;
        }

        return compilation;
    }

    private static async Task WriteReportAsync(OpenApiCompilation compilation, TextWriter output)
    {
        if (compilation.Diagnostics.Count > 0)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"report ({compilation.Diagnostics.Count}):")).ConfigureAwait(false);
            foreach (var d in compilation.Diagnostics)
            {
                await output.WriteLineAsync($"  {d.Severity.ToString().ToLowerInvariant(),-7} {d.Operation ?? "(document)"}: [{d.Code}] {d.Message}{(d.Skipped ? " (no tool)" : string.Empty)}").ConfigureAwait(false);
            }
        }

        if (compilation.Lint.Count > 0)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"lint ({compilation.Lint.Count}):")).ConfigureAwait(false);
            foreach (var l in compilation.Lint)
            {
                await output.WriteLineAsync($"  {l.Tool}: [{l.Code}] {l.Message}").ConfigureAwait(false);
            }
        }
    }

    private static JsonObject ToJson(OpenApiCompilation compilation, string sourceSpec)
    {
        var tools = new JsonArray();
        foreach (var t in compilation.Tools)
        {
            var tool = new JsonObject
            {
                ["name"] = t.Name,
                ["title"] = t.Title,
                ["description"] = t.Description,
                ["risk_level"] = t.RiskLevel.ToWire(),
                ["domain"] = t.Domain,
                ["idempotent"] = t.Idempotent,
                ["content_hash"] = t.ContentHash,
                ["input_schema"] = JsonNode.Parse(t.InputSchema.GetRawText()),
                ["output_schema"] = t.OutputSchema is { } o ? JsonNode.Parse(o.GetRawText()) : null,
            };
            DiscoveryShape.AddSeedFields(tool, t, sourceSpec);
            tools.Add((JsonNode)tool);
        }

        var report = new JsonArray();
        foreach (var d in compilation.Diagnostics)
        {
            report.Add((JsonNode)new JsonObject
            {
                ["operation"] = d.Operation,
                ["severity"] = d.Severity.ToString().ToLowerInvariant(),
                ["code"] = d.Code,
                ["message"] = d.Message,
                ["skipped"] = d.Skipped,
            });
        }

        var lint = new JsonArray();
        foreach (var l in compilation.Lint)
        {
            lint.Add((JsonNode)new JsonObject { ["tool"] = l.Tool, ["code"] = l.Code, ["message"] = l.Message });
        }

        return new JsonObject
        {
            ["spec_version"] = compilation.SpecVersion,
            ["operations"] = compilation.OperationCount,
            ["tools"] = tools,
            ["report"] = report,
            ["lint"] = lint,
        };
    }
}
