using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Audit;

/// <summary>
/// The canonical form of a chained record: one JSON object with a fixed property order, <c>seq</c>, <c>prev</c> and
/// <c>chain</c> first. Its hash is SHA-256 over the canonical UTF-8 bytes without the <c>hash</c> property; the stored
/// line adds <c>,"hash":"…"</c> at the end. The same line, byte for byte, is what the files, the PostgreSQL
/// <c>record</c> column and the S3 batch objects hold, so every copy verifies the same way.
/// </summary>
internal static class AuditRecordSerializer
{
    /// <summary>The <c>prev</c> of a chain's first record.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    private const string HashMarker = ",\"hash\":\"";

    public static (byte[] Line, string Hash) Serialize(AuditRecord record, long sequence, string previousHash, string? chainId)
    {
        using var writer = new AuditLineWriter();
        var line = writer.Write(record, sequence, Encoding.UTF8.GetBytes(previousHash), chainId);
        return (line.ToArray(), Encoding.ASCII.GetString(AuditLineWriter.HashOf(line)));
    }

    /// <summary>Recomputes the hash of a stored line (everything but its trailing <c>hash</c> property).</summary>
    public static bool TryReadLine(string line, out long sequence, out string previousHash, out string storedHash, out string computedHash)
    {
        if (ChainedRecord.TryParse(line, out var record, out _))
        {
            sequence = record.Sequence;
            previousHash = record.PreviousHash;
            storedHash = record.Hash;
            computedHash = record.ComputedHash;
            return true;
        }

        sequence = -1;
        previousHash = storedHash = computedHash = string.Empty;
        return false;
    }

    /// <summary>Returns the lower-case hex SHA-256 of <paramref name="canonical"/>.</summary>
    internal static string HashOf(ReadOnlySpan<char> canonical)
    {
        var max = Encoding.UTF8.GetMaxByteCount(canonical.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var count = Encoding.UTF8.GetBytes(canonical, rented);
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(rented.AsSpan(0, count), digest);
            return Convert.ToHexStringLower(digest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Splits a stored line into its canonical part and its stored hash.</summary>
    internal static bool TrySplit(string line, out int canonicalLength, out string storedHash)
    {
        canonicalLength = 0;
        storedHash = string.Empty;
        var marker = line.LastIndexOf(HashMarker, StringComparison.Ordinal);
        if (marker < 0 || !line.EndsWith("\"}", StringComparison.Ordinal) || line.Length - marker != HashMarker.Length + 64 + 2)
        {
            return false;
        }

        storedHash = line.Substring(marker + HashMarker.Length, 64);
        canonicalLength = marker;
        return true;
    }

    internal static string FormatTimestamp(DateTimeOffset timestamp)
        => timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    internal static void WriteBody(Utf8JsonWriter w, AuditRecord r, long sequence, ReadOnlySpan<byte> previousHash, string? chainId)
    {
        w.WriteNumber("seq", sequence);
        w.WriteString("prev", previousHash);
        Opt(w, "chain", chainId);
        w.WriteString("id", Clean(r.Id));
        // "O" of a UTC DateTime is the same 28 characters as yyyy-MM-dd'T'HH:mm:ss.fffffff'Z' (the stored form), on the
        // runtime's fast path: the custom pattern was about 8 % of the governed echo's CPU (issue #18).
        Span<byte> ts = stackalloc byte[28];
        r.Timestamp.UtcDateTime.TryFormat(ts, out var length, "O", CultureInfo.InvariantCulture);
        w.WriteString("ts", ts[..length]);
        w.WriteString("action", Clean(r.Action));
        w.WriteString("outcome", Clean(r.Outcome));
        Opt(w, "correlation_id", r.CorrelationId);
        Opt(w, "client_correlation_id", r.ClientCorrelationId);
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
        if (r.Arguments is { Length: > 0 } args)
        {
            w.WritePropertyName("args");
            try
            {
                // Validated before anything is written: a redactor that produced broken JSON cannot break the line.
                w.WriteRawValue(args, skipInputValidation: false);
            }
            catch (JsonException)
            {
                w.WriteStringValue("[arguments omitted: the redactor did not produce valid JSON]");
            }
        }

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
            w.WriteString(name, Clean(value));
        }
    }

    /// <summary>Replaces lone surrogates (which cannot be encoded as UTF-8) with U+FFFD, so no caller-supplied text can stop the writer.</summary>
    internal static string Clean(string value)
    {
        var i = 0;
        for (; i < value.Length; i++)
        {
            if (char.IsSurrogate(value[i]))
            {
                break;
            }
        }

        if (i == value.Length)
        {
            return value;
        }

        var chars = value.ToCharArray();
        for (; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }
}

/// <summary>
/// Writes chain lines into buffers it reuses: one per writer, never shared between threads. The span it returns is
/// valid until the next call. The record's hash is written as hex straight into the line (<see cref="HashOf"/> reads
/// it back), so a record costs no hash string: the sink keeps the previous hash as the line's bytes.
/// </summary>
internal sealed class AuditLineWriter : IDisposable
{
    /// <summary>The length of a hash in hex digits.</summary>
    public const int HashLength = 64;

    private static ReadOnlySpan<byte> HashMarker => ",\"hash\":\""u8;

    private readonly ArrayBufferWriter<byte> _canonical = new(1024);
    private readonly Utf8JsonWriter _json;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _line = new byte[1024];

    public AuditLineWriter()
    {
        _json = new Utf8JsonWriter(_canonical);
    }

    /// <summary>Returns the hash (64 lowercase hex digits, UTF-8) of a line <see cref="Write"/> returned.</summary>
    public static ReadOnlySpan<byte> HashOf(ReadOnlySpan<byte> line) => line[^(HashLength + 3)..^3];

    /// <summary>Writes the record's line: canonical form, <c>,"hash":"…"}</c> and a newline.</summary>
    /// <param name="record">The record.</param>
    /// <param name="sequence">Its sequence number.</param>
    /// <param name="previousHash">The previous record's hash as UTF-8 hex digits (<see cref="HashOf"/> of its line).</param>
    /// <param name="chainId">The chain id, if any.</param>
    public ReadOnlySpan<byte> Write(AuditRecord record, long sequence, ReadOnlySpan<byte> previousHash, string? chainId)
    {
        _canonical.ResetWrittenCount();
        _json.Reset(_canonical);
        _json.WriteStartObject();
        AuditRecordSerializer.WriteBody(_json, record, sequence, previousHash, chainId);
        _json.WriteEndObject();
        _json.Flush();

        var canonical = _canonical.WrittenSpan;

        // Line = canonical without its closing brace + ,"hash":"…"} + newline.
        var length = canonical.Length - 1 + HashMarker.Length + HashLength + 3;
        if (_line.Length < length)
        {
            _line = new byte[Math.Max(length, _line.Length * 2)];
        }

        var line = _line.AsSpan(0, length);
        canonical[..^1].CopyTo(line);
        var at = canonical.Length - 1;
        HashMarker.CopyTo(line[at..]);
        at += HashMarker.Length;
        // One hash context for the writer's life: the one-shot SHA256.HashData sets one up and frees it per call, which
        // cost more than hashing the line itself.
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        _sha256.AppendData(canonical);
        _sha256.GetHashAndReset(digest);
        Convert.TryToHexStringLower(digest, line.Slice(at, HashLength), out _);
        at += HashLength;
        line[at++] = (byte)'"';
        line[at++] = (byte)'}';
        line[at] = (byte)'\n';
        return line;
    }

    public void Dispose()
    {
        _json.Dispose();
        _sha256.Dispose();
    }
}
