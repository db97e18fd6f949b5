using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Pipeline.Stages;

/// <summary>
/// Stage 4, validate (after policy: only a caller who may call the tool hears about its arguments): canonicalises and
/// hashes the arguments, holds them to <see cref="MsilMcpOptions.MaxArgumentBytes"/> and the tool's compiled schema,
/// snapshots them and binds the curation overlay's fixed arguments. A violation is a tool error listing every one.
/// </summary>
internal sealed class ValidationStage(IOptionsMonitor<MsilMcpOptions> options)
{
    private const string Stage = "validate";

    /// <summary>Returns the tool error to answer with, or <see langword="null"/> when the arguments are valid (<see cref="CallState.Arguments"/> set).</summary>
    /// <param name="arguments">The arguments as received.</param>
    /// <param name="state">The call.</param>
    /// <param name="document">The parsed canonical arguments; the caller disposes it after the call.</param>
    public CallToolResult? Validate(IDictionary<string, JsonElement>? arguments, CallState state, out JsonDocument? document)
    {
        var tool = state.Tool!;
        using var span = CallTracing.StartStage(Stage, tool.Spans.Validate, tool.Definition.Name);
        document = null;
        byte[] canonical;
        try
        {
            canonical = ArgumentCanonicalizer.ToCanonicalJson(arguments);
        }
        catch (JsonException ex)
        {
            state.Outcome = AuditOutcomes.InvalidArguments;
            state.Detail = ex.Message;
            return ToolError($"Invalid arguments for tool '{state.ToolName}': {ex.Message}");
        }

        state.ArgumentsHash = ArgumentCanonicalizer.Hash(canonical);
        var limit = options.CurrentValue.MaxArgumentBytes;
        if (canonical.Length > limit)
        {
            state.Outcome = AuditOutcomes.InvalidArguments;
            state.Detail = "arguments too large";
            return ToolError($"Invalid arguments for tool '{state.ToolName}': the arguments are {canonical.Length} bytes; the limit is {limit} bytes (Msil:Mcp:MaxArgumentBytes).");
        }

        document = JsonDocument.Parse(canonical);
        var violations = new List<Validation.SchemaViolation>();
        if (!tool.Validator.Validate(document.RootElement, violations))
        {
            state.Outcome = AuditOutcomes.InvalidArguments;
            var sb = new StringBuilder();
            sb.Append("Invalid arguments for tool '").Append(state.ToolName).Append("':");
            foreach (var v in violations)
            {
                sb.Append("\n- ").Append(v.Path).Append(": ").Append(v.Message);
            }

            state.Detail = sb.ToString();
            return ToolError(sb.ToString());
        }

        // A snapshot, not the SDK's dictionary: filters a host adds inside ours could change that dictionary after
        // validation, and the executor must run exactly the arguments that were validated and hashed for audit.
        state.Arguments = arguments is null ? CallState.EmptyArguments : new Dictionary<string, JsonElement>(arguments, StringComparer.Ordinal);

        // Values fixed by the operator (not in the input schema) are bound whatever the caller sent.
        var fixedArguments = tool.Definition.FixedArguments;
        if (fixedArguments.Count > 0)
        {
            var merged = new Dictionary<string, JsonElement>(state.Arguments, StringComparer.Ordinal);
            foreach (var (name, value) in fixedArguments)
            {
                merged[name] = value;
            }

            state.Arguments = merged;
        }

        return null;
    }

    private static CallToolResult ToolError(string text) => new()
    {
        Content = [new TextContentBlock { Text = text }],
        IsError = true,
    };
}
