using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Audit.Outbox;

namespace Msil.Mcp.Audit.S3;

/// <summary>
/// Ships the outbox to S3 as WORM batch objects (SHA-256 checksum, Object Lock mode and retain-until date from the
/// options) and one manifest per batch that chains to the manifest before it. Order per batch: batch object, manifest,
/// then the local checkpoint. After a crash between those steps the next start reconciles with the bucket: a manifest
/// beyond the checkpoint is adopted; a batch without its manifest is uploaded again with the same boundaries. A manifest
/// that is the last one listed and cannot be read (empty or cut: an upload cut by the crash, which some S3-compatible
/// servers keep while S3 keeps nothing) counts as not written: its batch is uploaded again and the manifest rewritten.
/// </summary>
internal sealed class S3AuditTarget : IAuditShipTarget, IDisposable
{
    private readonly AuditS3Options _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private AmazonS3Client? _client;

    public S3AuditTarget(IOptions<AuditOptions> options, TimeProvider time, ILogger<S3AuditTarget>? logger = null)
    {
        _options = options.Value.S3;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public string Name => "s3";

    public bool Enabled => _options.Enabled;

    public string Fingerprint => ShipCheckpoint.Fingerprint("s3", _options.ServiceUrl?.ToString() ?? _options.Region, _options.Bucket, S3AuditLayout.NormalizePrefix(_options.Prefix));

    public int BatchMaxRecords => _options.BatchMaxRecords;

    public TimeSpan BatchMaxAge => _options.BatchMaxAge;

    public IAmazonS3 Client
    {
        get
        {
            lock (_gate)
            {
                return _client ??= S3AuditLayout.CreateClient(_options);
            }
        }
    }

    public async Task<(ShipPosition Position, long? BatchEnd)> InitializeAsync(string chainId, ShipPosition checkpoint, CancellationToken cancellationToken)
    {
        var bucket = _options.Bucket!;
        var position = checkpoint with { ManifestHash = checkpoint.ManifestHash ?? AuditRecordSerializer.Genesis };
        var manifestsPrefix = S3AuditLayout.ManifestsPrefix(_options.Prefix, chainId);
        var startAfter = position.Sequence == 0 ? null : manifestsPrefix + S3AuditLayout.Range(position.Sequence, long.MaxValue);
        var keys = new List<(string Key, long First)>();
        foreach (var listed in await S3Objects.ListAsync(Client, bucket, manifestsPrefix, startAfter, cancellationToken).ConfigureAwait(false))
        {
            if (S3AuditLayout.TryParseRange(listed, out var from, out _))
            {
                keys.Add((listed, from));
            }
        }

        for (var i = 0; i < keys.Count; i++)
        {
            var (key, first) = keys[i];
            var bytes = await S3Objects.GetAsync(Client, bucket, key, cancellationToken).ConfigureAwait(false);
            var manifest = bytes is null ? null : S3AuditManifest.TryParse(bytes);
            if (manifest is null && first == position.Sequence + 1 && i == keys.Count - 1)
            {
                Log.ManifestIncomplete(_logger, key, position.Sequence);
                break;
            }

            if (first != position.Sequence + 1 || manifest is null
                || !string.Equals(manifest.Chain, chainId, StringComparison.Ordinal)
                || !string.Equals(manifest.PreviousManifest, position.ManifestHash, StringComparison.Ordinal)
                || !string.Equals(manifest.FirstPrevious, position.Hash, StringComparison.Ordinal))
            {
                throw new AuditTargetConflictException($"s3://{bucket}/{key} does not continue the manifests of chain '{chainId}' after record {position.Sequence}: another writer uses this chain id, or the bucket was changed. Run 'msil-mcp audit verify --s3'.");
            }

            position = new ShipPosition(manifest.LastSequence, manifest.LastHash, S3AuditLayout.Sha256Hex(bytes));
        }

        // A batch uploaded without its manifest (a crash in between) is repeated with the same boundaries.
        long? batchEnd = null;
        var orphans = await S3Objects.ListAsync(Client, bucket, S3AuditLayout.BatchesPrefix(_options.Prefix, chainId) + S3AuditLayout.Range(position.Sequence + 1, 0)[..21], null, cancellationToken).ConfigureAwait(false);
        foreach (var key in orphans)
        {
            if (S3AuditLayout.TryParseRange(key, out var first, out var last) && first == position.Sequence + 1 && last >= first)
            {
                batchEnd = batchEnd is null ? last : Math.Min(batchEnd.Value, last);
            }
        }

        return (position, batchEnd);
    }

    public async Task<ShipPosition> ShipAsync(string chainId, IReadOnlyList<ChainedRecord> batch, ShipPosition previous, CancellationToken cancellationToken)
    {
        var bucket = _options.Bucket!;
        var first = batch[0];
        var last = batch[^1];
        var body = new MemoryStream(batch.Count * 600);
        foreach (var r in batch)
        {
            var bytes = Encoding.UTF8.GetBytes(r.Line);
            body.Write(bytes);
            body.WriteByte((byte)'\n');
        }

        var batchBytes = body.ToArray();
        var batchKey = S3AuditLayout.BatchKey(_options.Prefix, chainId, first.Sequence, last.Sequence);
        await PutAsync(bucket, batchKey, batchBytes, "application/x-ndjson", cancellationToken).ConfigureAwait(false);

        var manifest = new S3AuditManifest(
            chainId,
            first.Sequence,
            last.Sequence,
            batch.Count,
            first.PreviousHash,
            last.Hash,
            batchKey,
            S3AuditLayout.Sha256Hex(batchBytes),
            batchBytes.Length,
            previous.ManifestHash ?? AuditRecordSerializer.Genesis,
            AuditRecordSerializer.FormatTimestamp(_time.GetUtcNow()));
        var manifestBytes = manifest.ToBytes();
        await PutAsync(bucket, S3AuditLayout.ManifestKey(_options.Prefix, chainId, first.Sequence, last.Sequence), manifestBytes, "application/json", cancellationToken).ConfigureAwait(false);
        return new ShipPosition(last.Sequence, last.Hash, S3AuditLayout.Sha256Hex(manifestBytes));
    }

    public void Dispose() => _client?.Dispose();

    private async Task PutAsync(string bucket, string key, byte[] bytes, string contentType, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(bytes, writable: false),
            ContentType = contentType,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(bytes)),
            UseChunkEncoding = !_options.DisableChunkEncoding,
        };
        request.Metadata.Add("sha256", S3AuditLayout.Sha256Hex(bytes));
        if (_options.ObjectLockMode != AuditObjectLockMode.None)
        {
            request.ObjectLockMode = _options.ObjectLockMode == AuditObjectLockMode.Compliance ? ObjectLockMode.Compliance : ObjectLockMode.Governance;
            request.ObjectLockRetainUntilDate = _time.GetUtcNow().UtcDateTime.AddDays(_options.RetentionDays);
        }

        S3AuditLayout.ApplyEncryption(request, _options);
        await Client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
