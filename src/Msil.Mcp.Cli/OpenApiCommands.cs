using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Cli;

/// <summary>
/// <c>msil-mcp openapi compile &lt;file&gt; [--json]</c> and <c>msil-mcp openapi diff &lt;old&gt; &lt;new&gt;</c>. Exit 0 when the
/// document(s) were read, even with per-operation diagnostics; 2 with a message when one could not be read.
/// </summary>
internal static class OpenApiCommands
{
    public const string Usage = """
        Usage:
          msil-mcp openapi compile <file> [--json] [selection]   the tools a document gives, and the report of what was not
          msil-mcp openapi lint <file> [--json] [selection]      only the findings: the report, the lint and the selection
          msil-mcp openapi diff <old> <new>                       what importing <new> over <old> would add, change and remove

        Selection (as Msil:Mcp:Registry:Sources:N:Select, one rule per option, in the order given, the first rule that
        matches an operation deciding; when any include rule is given, operations no rule matches are left out):
          --include-tag <tag>          --exclude-tag <tag>
          --include-path <glob>        --exclude-path <glob>        (* one segment, ** any segments: '/admin/**')
          --include-method <method>    --exclude-method <method>    (--method is --include-method)
          --include-operation-id <id>  --exclude-operation-id <id>  (--operation-id is --include-operation-id)
          --risk-level <read|write|privileged>   the risk level of the tools the include rule just before it takes
        "lint" exits 1 when the document has an error (an operation that could not be compiled), else 0.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var command = args.Length > 1 ? args[1] : null;
        if (command is "compile" or "lint" && args.Length >= 3)
        {
            var (json, rules, problem) = ParseSelection(args.AsSpan(3));
            if (problem is null)
            {
                return command == "compile"
                    ? await CompileAsync(args[2], json, rules, output, error, cancellationToken).ConfigureAwait(false)
                    : await LintAsync(args[2], json, rules, output, error, cancellationToken).ConfigureAwait(false);
            }

            await error.WriteLineAsync("error: " + problem).ConfigureAwait(false);
        }
        else if (command == "diff" && args.Length == 4)
        {
            return await DiffAsync(args[2], args[3], output, error, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await error.WriteLineAsync($"error: unknown or incomplete command '{string.Join(' ', args)}'.").ConfigureAwait(false);
        }

        await error.WriteLineAsync().ConfigureAwait(false);
        await error.WriteLineAsync(Usage).ConfigureAwait(false);
        return CliApp.UsageOrConnectionError;
    }

    /// <summary>Reads <c>--json</c> and the selection options, one rule per option in order.</summary>
    internal static (bool Json, List<OperationSelectionRule> Rules, string? Problem) ParseSelection(ReadOnlySpan<string> args)
    {
        var json = false;
        var rules = new List<OperationSelectionRule>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--json")
            {
                json = true;
                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                return (json, rules, $"unexpected argument '{name}'.");
            }

            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                return (json, rules, $"{name} needs a value.");
            }

            var value = args[++i];
            if (name == "--risk-level")
            {
                if (rules.Count == 0 || rules[^1].Action != OperationSelectionAction.Include || rules[^1].RiskLevel is not null)
                {
                    return (json, rules, "--risk-level follows the include rule it applies to (--include-method DELETE --risk-level privileged).");
                }

                rules[^1].RiskLevel = value;
                continue;
            }

            var (action, field) = name switch
            {
                "--include-tag" => (OperationSelectionAction.Include, "tag"),
                "--exclude-tag" => (OperationSelectionAction.Exclude, "tag"),
                "--include-path" => (OperationSelectionAction.Include, "path"),
                "--exclude-path" => (OperationSelectionAction.Exclude, "path"),
                "--include-method" or "--method" => (OperationSelectionAction.Include, "method"),
                "--exclude-method" => (OperationSelectionAction.Exclude, "method"),
                "--include-operation-id" or "--operation-id" => (OperationSelectionAction.Include, "id"),
                "--exclude-operation-id" => (OperationSelectionAction.Exclude, "id"),
                _ => (OperationSelectionAction.Include, (string?)null),
            };
            if (field is null)
            {
                return (json, rules, $"unknown option '{name}'.");
            }

            var rule = new OperationSelectionRule { Action = action };
            (field switch { "tag" => rule.Tags, "path" => rule.Paths, "method" => rule.Methods, _ => rule.OperationIds }).Add(value);
            rules.Add(rule);
        }

        var problems = OperationSelectionRule.Validate(rules, "rule");
        return (json, rules, problems.Count == 0 ? null : string.Join(" ", problems.Select(p => p.Replace(":Tags:0", string.Empty, StringComparison.Ordinal)
            .Replace(":Paths:0", string.Empty, StringComparison.Ordinal).Replace(":Methods:0", string.Empty, StringComparison.Ordinal)
            .Replace(":OperationIds:0", string.Empty, StringComparison.Ordinal).Replace(":RiskLevel", string.Empty, StringComparison.Ordinal))));
    }

    private static async Task<int> CompileAsync(string file, bool json, List<OperationSelectionRule> rules, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var compilation = await ReadAsync(file, error, cancellationToken, rules: rules).ConfigureAwait(false);
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

    /// <summary>The report only; exit 1 when an error was reported (an operation that could not be compiled).</summary>
    private static async Task<int> LintAsync(string file, bool json, List<OperationSelectionRule> rules, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var compilation = await ReadAsync(file, error, cancellationToken, rules: rules).ConfigureAwait(false);
        if (compilation is null)
        {
            return CliApp.UsageOrConnectionError;
        }

        var errors = compilation.Diagnostics.Count(d => d.Severity == CompileSeverity.Error);
        var warnings = compilation.Diagnostics.Count(d => d.Severity == CompileSeverity.Warning);
        if (json)
        {
            var result = ToJson(compilation, Path.GetFileName(file));
            result.Remove("tools");
            result["tool_count"] = compilation.Tools.Count;
            result["errors"] = errors;
            result["warnings"] = warnings;
            await output.WriteLineAsync(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{file}: OpenAPI {compilation.SpecVersion ?? "?"}, {compilation.OperationCount} operations, {compilation.Tools.Count} tools; {errors} error(s), {warnings} warning(s), {compilation.Lint.Count} lint finding(s)")).ConfigureAwait(false);
            await WriteReportAsync(compilation, output).ConfigureAwait(false);
        }

        return errors > 0 ? CliApp.Broken : CliApp.Verified;
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

        var plan = OpenApiImportDiff.Compare(before.Tools, after.Tools);
        var added = plan.Changes.Where(c => c.Kind == OpenApiToolChangeKind.Added).ToArray();
        var changed = plan.Changes.Where(c => c.Kind == OpenApiToolChangeKind.Changed).ToArray();
        var removed = plan.Changes.Where(c => c.Kind == OpenApiToolChangeKind.Removed).ToArray();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{oldFile} → {newFile}: {added.Length} added, {changed.Length} changed, {removed.Length} removed, {plan.Count(OpenApiToolChangeKind.Unchanged)} unchanged")).ConfigureAwait(false);
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

    private static async Task<OpenApiCompilation?> ReadAsync(string file, TextWriter error, CancellationToken cancellationToken, string? sourceName = null, List<OperationSelectionRule>? rules = null)
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

        var options = new OpenApiCompilerOptions();
        foreach (var rule in rules ?? [])
        {
            options.Select.Add(rule);
        }

        var compilation = new OpenApiToolCompiler(options).Compile(new MemoryStream(bytes, writable: false), sourceName ?? Path.GetFileNameWithoutExtension(file));
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
        if (compilation.Selection is { } selection)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"selection ({compilation.SelectedOperationCount} of {compilation.OperationCount} operations selected):")).ConfigureAwait(false);
            foreach (var r in selection.Rules)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  rule {r.Index} ({r.Rule}): took {r.Taken}, {r.Left} left")).ConfigureAwait(false);
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  no rule matched: {selection.DefaultTaken} {(selection.DefaultAction == OperationSelectionAction.Include ? "included" : "excluded")}")).ConfigureAwait(false);
        }

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
            var tool = OpenApiToolJson.ToJson(t, sourceSpec);
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

        JsonObject? selection = null;
        if (compilation.Selection is { } s)
        {
            var rules = new JsonArray();
            foreach (var r in s.Rules)
            {
                rules.Add((JsonNode)new JsonObject { ["index"] = r.Index, ["rule"] = r.Rule, ["action"] = r.Action.ToString().ToLowerInvariant(), ["taken"] = r.Taken, ["left"] = r.Left });
            }

            selection = new JsonObject
            {
                ["rules"] = rules,
                ["default_action"] = s.DefaultAction.ToString().ToLowerInvariant(),
                ["default_taken"] = s.DefaultTaken,
                ["excluded"] = s.Excluded,
            };
        }

        return new JsonObject
        {
            ["spec_version"] = compilation.SpecVersion,
            ["operations"] = compilation.OperationCount,
            ["selection"] = selection,
            ["tools"] = tools,
            ["report"] = report,
            ["lint"] = lint,
        };
    }
}
