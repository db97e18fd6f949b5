using System.Text;
using Amazon.S3;

namespace Msil.Mcp.Audit.S3;

/// <summary>
/// Verifies the archive chain by chain: manifests in key order must link (<c>prev_manifest</c> = SHA-256 of the manifest
/// before), cover the sequence without gaps, and name a batch object whose records continue the record chain and whose
/// SHA-256 and size are what the manifest says.
/// </summary>
internal static class S3AuditVerifier
{
    public static async Task<AuditVerificationResult> VerifyAsync(IAmazonS3 s3, string bucket, string? prefix, CancellationToken cancellationToken)
    {
        var root = S3AuditLayout.NormalizePrefix(prefix);

        // Every key under the prefix, grouped by chain ({root}{chain}/manifests/{range}.json). No delimiter listing:
        // some S3-compatible servers do not return common prefixes below the first level.
        var manifestsByChain = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var key in await S3Objects.ListAsync(s3, bucket, root, null, cancellationToken).ConfigureAwait(false))
        {
            var rest = key.AsSpan(root.Length);
            var slash = rest.IndexOf('/');
            if (slash <= 0 || !rest[(slash + 1)..].StartsWith("manifests/", StringComparison.Ordinal) || !key.EndsWith(".json", StringComparison.Ordinal))
            {
                continue;
            }

            var chain = rest[..slash].ToString();
            if (!manifestsByChain.TryGetValue(chain, out var list))
            {
                manifestsByChain[chain] = list = [];
            }

            list.Add(key);
        }

        long total = 0;
        var verified = 0;
        foreach (var (chain, manifests) in manifestsByChain)
        {
            verified++;
            var verifier = new ChainVerifier(chain);
            var previousManifest = AuditRecordSerializer.Genesis;
            foreach (var key in manifests)
            {
                var bytes = await S3Objects.GetAsync(s3, bucket, key, cancellationToken).ConfigureAwait(false);
                var manifest = bytes is null ? null : S3AuditManifest.TryParse(bytes);
                AuditVerificationResult Fail(string where, long? line, long? seq, string problem)
                    => new(false, total + verifier.Records, where, line, problem) { Sequence = seq, ChainId = chain, Chains = verified };

                if (manifest is null || !S3AuditLayout.TryParseRange(key, out var first, out var last))
                {
                    return Fail(key, null, null, "the manifest cannot be read");
                }

                if (manifest.FirstSequence != first || manifest.LastSequence != last || !string.Equals(manifest.Chain, chain, StringComparison.Ordinal))
                {
                    return Fail(key, null, first, "the manifest does not describe the records its key names (chain, first or last sequence differ)");
                }

                if (!string.Equals(manifest.PreviousManifest, previousManifest, StringComparison.Ordinal))
                {
                    return Fail(key, null, first, "the manifest does not link to the manifest before it (a batch was removed, inserted or replaced)");
                }

                if (first != verifier.LastSequence + 1)
                {
                    return Fail(key, null, first, first > verifier.LastSequence + 1
                        ? $"records {verifier.LastSequence + 1}..{first - 1} are missing (no batch holds them)"
                        : $"the batch repeats records from {first} (expected {verifier.LastSequence + 1})");
                }

                var batch = await S3Objects.GetAsync(s3, bucket, manifest.BatchKey, cancellationToken).ConfigureAwait(false);
                if (batch is null)
                {
                    return Fail(manifest.BatchKey, null, first, "the batch object named by the manifest is missing");
                }

                var lines = Encoding.UTF8.GetString(batch).Split('\n');
                long count = 0;
                for (var i = 0; i < lines.Length; i++)
                {
                    if (i == lines.Length - 1 && lines[i].Length == 0)
                    {
                        break;
                    }

                    if (!ChainedRecord.TryParse(lines[i], out var record, out var error))
                    {
                        return Fail(manifest.BatchKey, i + 1, null, error!);
                    }

                    if (verifier.Check(record) is { } problem)
                    {
                        return Fail(manifest.BatchKey, i + 1, record.Sequence, problem);
                    }

                    count++;
                }

                if (!string.Equals(S3AuditLayout.Sha256Hex(batch), manifest.BatchSha256, StringComparison.Ordinal) || batch.Length != manifest.BatchBytes)
                {
                    return Fail(manifest.BatchKey, null, first, "the batch object was altered: its SHA-256 does not match the manifest");
                }

                if (count != manifest.Records || verifier.LastSequence != last || !string.Equals(verifier.LastHash, manifest.LastHash, StringComparison.Ordinal))
                {
                    return Fail(manifest.BatchKey, null, verifier.LastSequence, $"the batch holds records up to {verifier.LastSequence}, but its manifest says {manifest.Records} records up to {last}");
                }

                previousManifest = S3AuditLayout.Sha256Hex(bytes!);
            }

            total += verifier.Records;
        }

        return new AuditVerificationResult(true, total) { Chains = verified };
    }
}
