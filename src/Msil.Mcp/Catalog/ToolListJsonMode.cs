using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Catalog;

/// <summary>
/// Decides once per process how <c>tools/list</c> puts its tools into the SDK's response: as raw UTF-8 bytes
/// (<see cref="RawToolArray"/>) when a probe message written exactly as the SDK writes its messages comes out
/// right, else as one node per tool over its cached element (<see cref="CompiledTool.ProtocolJson"/>), logged once.
/// </summary>
internal sealed class ToolListJsonMode
{
    private static ToolDefinition ProbeDefinition() => new()
    {
        Name = "probe",
        Description = "A probe: \u00e9 \"quoted\" <b> \u2028 \U0001F600",
        RiskLevel = RiskLevel.Read,
        InputSchema = JsonElement.Parse("""{"type":"object"}"""),
        Executor = "probe",
        Source = "probe",
        ContentHash = "probe",
    };

    /// <summary>Probes the options the SDK writes messages with (<see cref="RawToolArray.SdkWriterOptions"/>).</summary>
    public ToolListJsonMode(ILogger<ToolListJsonMode> logger)
        : this(logger, [.. RawToolArray.SdkWriterOptions])
    {
    }

    /// <summary>Probes each of <paramref name="writerOptions"/>: the options the transports are expected to write responses with.</summary>
    internal ToolListJsonMode(ILogger<ToolListJsonMode> logger, params JsonSerializerOptions[] writerOptions)
    {
        var reason = string.Empty;
        WritesRaw = writerOptions.Length > 0 && writerOptions.All(o => Probe(o, out reason));
        if (!WritesRaw)
        {
            Diagnostics.Log.ToolListRawBytesUnavailable(logger, reason.Length > 0 ? reason : "no writer options");
        }
    }

    /// <summary>Gets a value indicating whether pages are written as raw bytes (otherwise as nodes over cached elements).</summary>
    public bool WritesRaw { get; }

    /// <summary>
    /// Writes a response holding a one-tool <see cref="RawToolArray"/> with <paramref name="options"/>'s own
    /// <see cref="JsonRpcMessage"/> type info, as the transports do, and checks the <c>tools</c> read back are the
    /// tool's bytes. Any failure (the type not found, reflection disabled, a host's options, a converter not ours) is
    /// a "no" with its reason.
    /// </summary>
    internal static bool Probe(JsonSerializerOptions options, out string reason)
    {
        try
        {
            var tool = CompiledTool.Compile(ProbeDefinition());
            var response = new JsonRpcResponse { Id = new RequestId(1), Result = new JsonObject { ["tools"] = new RawToolArray([tool]).ToNode() } };
            var written = JsonSerializer.SerializeToUtf8Bytes(response, options.GetTypeInfo(typeof(JsonRpcMessage)));
            using var document = JsonDocument.Parse(written);
            if (document.RootElement.GetProperty("result").GetProperty("tools") is { ValueKind: JsonValueKind.Array } tools
                && tools.GetArrayLength() == 1
                && JsonElement.DeepEquals(tools[0], tool.ProtocolJson))
            {
                reason = string.Empty;
                return true;
            }

            reason = "the probe response did not carry the probe tool";
            return false;
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException or KeyNotFoundException or InvalidCastException)
        {
            reason = ex.GetType().Name;
            return false;
        }
    }
}
