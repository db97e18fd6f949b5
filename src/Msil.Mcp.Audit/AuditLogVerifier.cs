using System.Text;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Audit.S3;

namespace Msil.Mcp.Audit;

/// <summary>The result of verifying audit chains.</summary>
/// <param name="IsValid">Whether every record, link and checksum verified.</param>
/// <param name="Records">How many records verified before the first problem (all of them when valid).</param>
/// <param name="File">Where the first broken record is: the chain file, the table (<c>schema.table</c>) or the S3 object key.</param>
/// <param name="Line">The 1-based line in the file or batch object, or the 1-based row of the chain in the table.</param>
/// <param name="Problem">What is wrong, if anything.</param>
public sealed record AuditVerificationResult(bool IsValid, long Records, string? File = null, long? Line = null, string? Problem = null)
{
    /// <summary>Gets the sequence number of the first broken record, when it could be read.</summary>
    public long? Sequence { get; init; }

    /// <summary>Gets the chain of the first broken record, when known.</summary>
    public string? ChainId { get; init; }

    /// <summary>Gets how many chains were verified (a directory holds one; a table or bucket one per writer).</summary>
    public int Chains { get; init; }
}

/// <summary>
/// Recomputes audit chains and reports the first record that does not verify: in the JSON-lines files of one writer,
/// in the PostgreSQL table or in the S3 archive (batch checksums and the manifest chain too).
/// </summary>
public static class AuditLogVerifier
{
    /// <summary>Verifies every chain file in <paramref name="directory"/>, in order.</summary>
    /// <param name="directory">The audit directory.</param>
    /// <returns>The result; valid only when every hash, link and sequence number checks out.</returns>
    /// <remarks>An incomplete last line of the last file (a write in progress, or cut short by a crash and removed at the writer's next start) is not counted.</remarks>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static AuditVerificationResult VerifyDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Audit directory '{directory}' does not exist.");
        }

        var chainFile = Path.Combine(directory, FileAuditSink.ChainIdFileName);
        var chainId = File.Exists(chainFile) ? File.ReadAllText(chainFile).Trim() : null;
        var verifier = new ChainVerifier(string.IsNullOrEmpty(chainId) ? null : chainId);
        var files = ChainFiles(directory).ToList();
        for (var f = 0; f < files.Count; f++)
        {
            var file = files[f];
            long lineNumber = 0;
            foreach (var (line, terminated) in ReadLines(file))
            {
                lineNumber++;
                if (!terminated && f == files.Count - 1)
                {
                    break;
                }

                if (line.Length == 0)
                {
                    return Broken(verifier, file, lineNumber, null, "the line is empty (a record was removed and its line left blank)");
                }

                if (!ChainedRecord.TryParse(line, out var record, out var error))
                {
                    return Broken(verifier, file, lineNumber, null, error!);
                }

                if (verifier.Check(record) is { } problem)
                {
                    return Broken(verifier, file, lineNumber, record.Sequence, problem);
                }
            }
        }

        return new(true, verifier.Records) { ChainId = verifier.ChainId, Chains = verifier.Records > 0 || chainId is not null ? 1 : 0 };
    }

    /// <summary>Verifies every chain in the PostgreSQL audit table, and that each row's indexed columns match its record.</summary>
    /// <param name="options">The connection string, schema and table.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>The result; <see cref="AuditVerificationResult.File"/> is the table, <see cref="AuditVerificationResult.Line"/> the row within its chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The connection string is empty.</exception>
    /// <exception cref="Npgsql.NpgsqlException">The database cannot be reached or read.</exception>
    public static Task<AuditVerificationResult> VerifyPostgreSqlAsync(AuditPostgreSqlOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        return PostgreSqlAuditVerifier.VerifyAsync(options, cancellationToken);
    }

    /// <summary>
    /// Verifies every chain in the S3 archive: the manifest chain, each batch object's SHA-256 against its manifest,
    /// and the records inside each batch against the record chain.
    /// </summary>
    /// <param name="options">The service, bucket, prefix and credentials.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>The result; <see cref="AuditVerificationResult.File"/> is the object key, <see cref="AuditVerificationResult.Line"/> the line in a batch.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The bucket is empty.</exception>
    /// <exception cref="Amazon.Runtime.AmazonServiceException">The service cannot be reached or read.</exception>
    public static async Task<AuditVerificationResult> VerifyS3Async(AuditS3Options options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Bucket);
        using var client = S3AuditLayout.CreateClient(options);
        return await S3AuditVerifier.VerifyAsync(client, options.Bucket, options.Prefix, cancellationToken).ConfigureAwait(false);
    }

    internal static IEnumerable<string> ChainFiles(string directory)
        => Directory.EnumerateFiles(directory, "audit-*.jsonl").Order(StringComparer.Ordinal);

    internal static AuditVerificationResult Broken(ChainVerifier verifier, string where, long line, long? sequence, string problem)
        => new(false, verifier.Records, where, line, problem) { Sequence = sequence, ChainId = verifier.ChainId, Chains = 1 };

    /// <summary>Reads the lines of a file and whether each ended with a newline.</summary>
    private static IEnumerable<(string Line, bool Terminated)> ReadLines(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
        var buffer = new byte[64 * 1024];
        using var pending = new MemoryStream();
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < n; i++)
            {
                if (buffer[i] == (byte)'\n')
                {
                    pending.Write(buffer, start, i - start);
                    yield return (Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length), true);
                    pending.SetLength(0);
                    start = i + 1;
                }
            }

            pending.Write(buffer, start, n - start);
        }

        if (pending.Length > 0)
        {
            yield return (Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length), false);
        }
    }
}
