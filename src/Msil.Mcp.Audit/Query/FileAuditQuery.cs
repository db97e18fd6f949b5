namespace Msil.Mcp.Audit.Query;

/// <summary>
/// Answers queries from this instance's chain files (the embedded default). The files hold records in sequence order, so
/// a page of the newest records takes two scans: one counts the matches, the next reads the page. That suits the
/// embedded default; configure PostgreSQL for indexed queries over large or many chains.
/// </summary>
internal static class FileAuditQuery
{
    public static AuditPage Run(string directory, AuditQuery query)
    {
        var total = Count(directory, query);
        var end = total - query.Skip;
        var start = Math.Max(0, end - query.PageSize);
        var lines = new List<string>(end > 0 ? (int)(end - start) : 0);
        if (end > 0)
        {
            long index = 0;
            foreach (var record in Matching(directory, query))
            {
                if (index >= start && index < end)
                {
                    lines.Add(record.Line);
                }

                if (++index >= end)
                {
                    break;
                }
            }
        }

        lines.Reverse();
        return new AuditPage(AuditQuery.Files, lines, total);
    }

    /// <summary>Counts the records that match.</summary>
    public static long Count(string directory, AuditQuery query)
    {
        long count = 0;
        foreach (var _ in Matching(directory, query))
        {
            count++;
        }

        return count;
    }

    /// <summary>Yields the records that match, oldest first.</summary>
    public static IEnumerable<ChainedRecord> Matching(string directory, AuditQuery query)
    {
        foreach (var record in All(directory))
        {
            if (query.Matches(record))
            {
                yield return record;
            }
        }
    }

    /// <summary>Returns the record with sequence number <paramref name="sequence"/>, or <see langword="null"/>.</summary>
    public static ChainedRecord? Find(string directory, long sequence)
    {
        foreach (var record in All(directory))
        {
            if (record.Sequence == sequence)
            {
                return record;
            }

            if (record.Sequence > sequence)
            {
                break;
            }
        }

        return null;
    }

    private static IEnumerable<ChainedRecord> All(string directory)
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var file in AuditLogVerifier.ChainFiles(directory))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (ChainedRecord.TryParse(line, out var record, out _))
                {
                    yield return record;
                }
            }
        }
    }
}
