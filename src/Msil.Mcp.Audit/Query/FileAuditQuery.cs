using System.Globalization;

namespace Msil.Mcp.Audit.Query;

/// <summary>
/// Answers queries from this instance's chain files (the embedded default), in sequence order. It reads the files
/// from the first record after the cursor on (a record's time says nothing certain about its file), so it suits the
/// embedded default; configure PostgreSQL for indexed queries over large or many chains.
/// </summary>
internal static class FileAuditQuery
{
    public static AuditPage Run(string directory, AuditQuery query)
    {
        long after = 0;
        if (query.After is { } cursor && (!cursor.StartsWith("f:", StringComparison.Ordinal) || !long.TryParse(cursor.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            after = long.MaxValue;
        }

        var records = new List<string>(Math.Min(query.Limit, 64));
        long last = 0;
        var more = false;
        foreach (var file in AuditLogVerifier.ChainFiles(directory))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (!ChainedRecord.TryParse(line, out var record, out _) || record.Sequence <= after || !query.Matches(record))
                {
                    continue;
                }

                if (records.Count == query.Limit)
                {
                    more = true;
                    break;
                }

                records.Add(line);
                last = record.Sequence;
            }

            if (more)
            {
                break;
            }
        }

        return new AuditPage("files", records, more ? AuditQuery.EncodeCursor("f:" + last.ToString(CultureInfo.InvariantCulture)) : null);
    }
}
