using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Audit;

/// <summary>
/// The canonical form of a chained record: one JSON object with a fixed property order, <c>seq</c> and <c>prev</c>
/// first. Its hash is SHA-256 over the canonical bytes without the <c>hash</c> property; the line adds it at the end.
/// </summary>
internal static class AuditRecordSerializer
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static (byte[] Line, string Hash) Serialize(AuditRecord record, long sequence, string previousHash)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            WriteBody(w, record, sequence, previousHash);
            w.WriteEndObject();
        }

        var canonical = buffer.WrittenSpan;
        var hash = Convert.ToHexStringLower(SHA256.HashData(canonical));

        // Line = canonical without its closing brace + ,"hash":"…"} + newline.
        var tail = Encoding.ASCII.GetBytes(",\"hash\":\"" + hash + "\"}\n");
        var line = new byte[canonical.Length - 1 + tail.Length];
        canonical[..^1].CopyTo(line);
        tail.CopyTo(line, canonical.Length - 1);
        return (line, hash);
    }

    /// <summary>Recomputes the hash of a stored line (everything but its trailing <c>hash</c> property).</summary>
    public static bool TryReadLine(string line, out long sequence, out string previousHash, out string storedHash, out string computedHash)
    {
        sequence = -1;
        previousHash = storedHash = computedHash = string.Empty;
        var marker = line.LastIndexOf(",\"hash\":\"", StringComparison.Ordinal);
        if (marker < 0 || !line.EndsWith("\"}", StringComparison.Ordinal))
        {
            return false;
        }

        storedHash = line[(marker + 9)..^2];
        var canonical = line[..marker] + "}";
        computedHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        try
        {
            using var doc = JsonDocument.Parse(line);
            sequence = doc.RootElement.GetProperty("seq").GetInt64();
            previousHash = doc.RootElement.GetProperty("prev").GetString() ?? string.Empty;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private static void WriteBody(Utf8JsonWriter w, AuditRecord r, long sequence, string previousHash)
    {
        w.WriteNumber("seq", sequence);
        w.WriteString("prev", previousHash);
        w.WriteString("id", r.Id);
        w.WriteString("ts", r.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        w.WriteString("action", r.Action);
        w.WriteString("outcome", r.Outcome);
        Opt(w, "correlation_id", r.CorrelationId);
        Opt(w, "trace_id", r.TraceId);
        Opt(w, "user_id", r.UserId);
        Opt(w, "sub", r.Subject);
        Opt(w, "oid", r.ObjectId);
        Opt(w, "preferred_username", r.PreferredUsername);
        Opt(w, "actor", r.Actor);
        Opt(w, "tool", r.ToolName);
        Opt(w, "tool_version", r.ToolVersion);
        Opt(w, "tool_hash", r.ToolContentHash);
        Opt(w, "risk_level", r.RiskLevel?.ToWire());
        if (r.PolicyAllow is { } allow)
        {
            w.WriteString("decision", allow ? "allow" : "deny");
        }

        Opt(w, "decision_reason", r.PolicyReason);
        Opt(w, "decision_id", r.DecisionId);
        Opt(w, "elevation_ref", r.ElevationReference);
        if (r.BackendStatus is { } status)
        {
            w.WriteNumber("backend_status", status);
        }

        if (r.LatencyMs is { } latency)
        {
            w.WriteNumber("latency_ms", Math.Round(latency, 3));
        }

        Opt(w, "args_sha256", r.ArgumentsHash);
        if (r.ResultSize is { } size)
        {
            w.WriteNumber("result_bytes", size);
        }

        Opt(w, "detail", r.Detail);
    }

    private static void Opt(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
