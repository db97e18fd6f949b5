using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Msil.Mcp.Audit;

/// <summary>One stored chain line, parsed: its chain fields, the fields the shippers and the query API index, and its hashes.</summary>
internal sealed class ChainedRecord
{
    private ChainedRecord(string line)
    {
        Line = line;
    }

    /// <summary>Gets the stored line, without its newline.</summary>
    public string Line { get; }

    public long Sequence { get; private set; }

    public string PreviousHash { get; private set; } = string.Empty;

    /// <summary>Gets the chain id the record names, if the record has one.</summary>
    public string? ChainId { get; private set; }

    public string Id { get; private set; } = string.Empty;

    public DateTimeOffset Timestamp { get; private set; }

    public string Action { get; private set; } = string.Empty;

    public string Outcome { get; private set; } = string.Empty;

    public string? UserId { get; private set; }

    public string? Subject { get; private set; }

    public string? PreferredUsername { get; private set; }

    public string? Tool { get; private set; }

    public string? Decision { get; private set; }

    public string? CorrelationId { get; private set; }

    public string? DecisionId { get; private set; }

    /// <summary>Gets the hash stored in the line.</summary>
    public string Hash { get; private set; } = string.Empty;

    /// <summary>Gets the hash recomputed over the line's canonical part.</summary>
    public string ComputedHash { get; private set; } = string.Empty;

    /// <summary>Parses a stored line; <paramref name="error"/> says what is wrong when it cannot.</summary>
    public static bool TryParse(string line, out ChainedRecord record, out string? error)
    {
        record = new ChainedRecord(line);
        if (!AuditRecordSerializer.TrySplit(line, out var canonicalLength, out var stored))
        {
            error = "the line is not a chained audit record (no trailing hash)";
            return false;
        }

        record.Hash = stored;
        record.ComputedHash = AuditRecordSerializer.HashOf(string.Concat(line.AsSpan(0, canonicalLength), "}"));
        try
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "the line is not a JSON object";
                return false;
            }

            bool hasSeq = false, hasPrev = false, hasTs = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "seq":
                        record.Sequence = reader.GetInt64();
                        hasSeq = true;
                        break;
                    case "prev":
                        record.PreviousHash = reader.GetString() ?? string.Empty;
                        hasPrev = true;
                        break;
                    case "chain":
                        record.ChainId = reader.GetString();
                        break;
                    case "id":
                        record.Id = reader.GetString() ?? string.Empty;
                        break;
                    case "ts":
                        record.Timestamp = DateTimeOffset.Parse(reader.GetString() ?? string.Empty, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
                        hasTs = true;
                        break;
                    case "action":
                        record.Action = reader.GetString() ?? string.Empty;
                        break;
                    case "outcome":
                        record.Outcome = reader.GetString() ?? string.Empty;
                        break;
                    case "user_id":
                        record.UserId = reader.GetString();
                        break;
                    case "sub":
                        record.Subject = reader.GetString();
                        break;
                    case "preferred_username":
                        record.PreferredUsername = reader.GetString();
                        break;
                    case "tool":
                        record.Tool = reader.GetString();
                        break;
                    case "decision":
                        record.Decision = reader.GetString();
                        break;
                    case "correlation_id":
                        record.CorrelationId = reader.GetString();
                        break;
                    case "decision_id":
                        record.DecisionId = reader.GetString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (!hasSeq || !hasPrev || !hasTs)
            {
                error = "the record lacks seq, prev or ts";
                return false;
            }

            error = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            error = "the line is not valid JSON (" + ex.GetType().Name + ")";
            return false;
        }
    }
}

/// <summary>
/// Checks records of one chain in order: each hash recomputes, sequence numbers run 1, 2, 3 … without a gap and each
/// <c>prev</c> is the hash of the record before. The first problem is reported in words an auditor can act on.
/// </summary>
internal sealed class ChainVerifier
{
    public ChainVerifier(string? chainId, long lastSequence = 0, string? lastHash = null)
    {
        ChainId = chainId;
        LastSequence = lastSequence;
        LastHash = lastHash ?? AuditRecordSerializer.Genesis;
    }

    public string? ChainId { get; private set; }

    public long LastSequence { get; private set; }

    public string LastHash { get; private set; }

    public long Records { get; private set; }

    /// <summary>Checks the next record; returns what is wrong with it, or <see langword="null"/> when it continues the chain.</summary>
    public string? Check(ChainedRecord record)
    {
        if (!string.Equals(record.ComputedHash, record.Hash, StringComparison.Ordinal))
        {
            return $"record {record.Sequence} was altered: its hash does not match its content";
        }

        ChainId ??= record.ChainId;
        if (record.ChainId is not null && !string.Equals(record.ChainId, ChainId, StringComparison.Ordinal))
        {
            return $"record {record.Sequence} belongs to chain '{record.ChainId}', not '{ChainId}'";
        }

        var expected = LastSequence + 1;
        if (record.Sequence != expected)
        {
            return record.Sequence > expected
                ? $"records {expected}..{record.Sequence - 1} are missing (sequence jumps from {LastSequence} to {record.Sequence})"
                : $"record {record.Sequence} is out of order or duplicated (expected {expected})";
        }

        if (!string.Equals(record.PreviousHash, LastHash, StringComparison.Ordinal))
        {
            return $"record {record.Sequence} does not link to the record before it (a record was removed, inserted or reordered)";
        }

        LastSequence = record.Sequence;
        LastHash = record.Hash;
        Records++;
        return null;
    }
}
