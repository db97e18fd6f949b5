namespace Msil.Mcp.Audit;

/// <summary>The result of verifying an audit chain.</summary>
/// <param name="IsValid">Whether every record verified.</param>
/// <param name="Records">How many records were read.</param>
/// <param name="File">The file of the first broken record, if any.</param>
/// <param name="Line">The 1-based line of the first broken record, if any.</param>
/// <param name="Problem">What is wrong with it, if anything.</param>
public sealed record AuditVerificationResult(bool IsValid, long Records, string? File = null, long? Line = null, string? Problem = null);

/// <summary>Recomputes a JSON-lines audit chain and reports the first record that does not verify.</summary>
public static class AuditLogVerifier
{
    /// <summary>Verifies every chain file in <paramref name="directory"/>, in order.</summary>
    /// <param name="directory">The audit directory.</param>
    /// <returns>The result; valid only when every hash, link and sequence number checks out.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static AuditVerificationResult VerifyDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Audit directory '{directory}' does not exist.");
        }

        long records = 0;
        long expectedSequence = 1;
        var previous = AuditRecordSerializer.Genesis;
        foreach (var file in ChainFiles(directory))
        {
            long lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }

                if (!AuditRecordSerializer.TryReadLine(line, out var seq, out var prev, out var stored, out var computed))
                {
                    return new(false, records, file, lineNumber, "the line is not a chained audit record");
                }

                if (computed != stored)
                {
                    return new(false, records, file, lineNumber, $"record {seq} was altered: its hash does not match its content");
                }

                if (seq != expectedSequence)
                {
                    return new(false, records, file, lineNumber, seq > expectedSequence
                        ? $"records {expectedSequence}..{seq - 1} are missing (sequence jumps from {expectedSequence - 1} to {seq})"
                        : $"record {seq} is out of order or duplicated (expected {expectedSequence})");
                }

                if (prev != previous)
                {
                    return new(false, records, file, lineNumber, $"record {seq} does not link to the record before it (a record was removed, inserted or reordered)");
                }

                previous = stored;
                expectedSequence++;
                records++;
            }
        }

        return new(true, records);
    }

    internal static IEnumerable<string> ChainFiles(string directory)
        => Directory.EnumerateFiles(directory, "audit-*.jsonl").Order(StringComparer.Ordinal);
}
