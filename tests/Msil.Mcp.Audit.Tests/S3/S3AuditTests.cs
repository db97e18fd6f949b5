using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.S3;
using Msil.Mcp.Audit.Tests.Support;
using Msil.Mcp.Cli;

namespace Msil.Mcp.Audit.Tests.S3;

/// <summary>Against the real S3-compatible server (S3_SERVICE_URL, s3rver), under a key prefix of each test's own.</summary>
[Trait("Category", "Integration")]
public sealed class S3AuditTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly AuditS3Options _s3 = TestServices.S3();
    private readonly S3AuditTarget _target;

    public S3AuditTests()
    {
        var options = new AuditOptions();
        Copy(_s3, options.S3);
        _target = new S3AuditTarget(Options.Create(options), TimeProvider.System);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _target.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task ShipAsync_Batches_ArriveIntactWithChecksumsAndTheManifestChainVerifies()
    {
        var (chain, records) = await ChainAsync(25);

        var position = ShipPosition.Start;
        foreach (var batch in records.Chunk(10))
        {
            position = await _target.ShipAsync(chain, batch, position, Ct);
        }

        var batches = await S3Objects.ListAsync(_target.Client, _s3.Bucket!, S3AuditLayout.BatchesPrefix(_s3.Prefix, chain), null, Ct);
        var manifests = await S3Objects.ListAsync(_target.Client, _s3.Bucket!, S3AuditLayout.ManifestsPrefix(_s3.Prefix, chain), null, Ct);
        Assert.Equal(3, batches.Count);
        Assert.Equal(3, manifests.Count);
        var previousManifest = AuditRecordSerializer.Genesis;
        for (var i = 0; i < 3; i++)
        {
            var batch = (await S3Objects.GetAsync(_target.Client, _s3.Bucket!, batches[i], Ct))!;
            var manifestBytes = (await S3Objects.GetAsync(_target.Client, _s3.Bucket!, manifests[i], Ct))!;
            var manifest = S3AuditManifest.TryParse(manifestBytes)!;
            var expected = string.Concat(records.Skip(i * 10).Take(10).Select(r => r.Line + "\n"));
            Assert.Equal(expected, Encoding.UTF8.GetString(batch));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(batch)), manifest.BatchSha256);
            Assert.Equal(previousManifest, manifest.PreviousManifest);
            previousManifest = Convert.ToHexStringLower(SHA256.HashData(manifestBytes));
        }

        Assert.Equal(previousManifest, position.ManifestHash);
        var result = await AuditLogVerifier.VerifyS3Async(_s3, Ct);
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(25, result.Records);
        Assert.Equal(1, result.Chains);
    }

    [Fact]
    public async Task ShipAsync_DefaultOptions_SendsSseKmsWithTheKeyIdNextToObjectLock()
    {
        var options = new AuditOptions();
        Copy(_s3, options.S3);
        options.S3.KmsKeyId = "arn:aws:kms:ap-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        using var target = new S3AuditTarget(Options.Create(options), TimeProvider.System);
        var puts = new List<IDictionary<string, string>>();
        ((Amazon.S3.AmazonS3Client)target.Client).BeforeRequestEvent += (_, e) =>
        {
            if (e is Amazon.Runtime.WebServiceRequestEventArgs { Request: Amazon.S3.Model.PutObjectRequest } put)
            {
                puts.Add(new Dictionary<string, string>(put.Headers, StringComparer.OrdinalIgnoreCase));
            }
        };
        var (chain, records) = await ChainAsync(3);

        await target.ShipAsync(chain, records, ShipPosition.Start, Ct);

        Assert.Equal(2, puts.Count); // the batch and its manifest, both accepted by the server
        Assert.All(puts, headers =>
        {
            Assert.Equal("aws:kms", headers["x-amz-server-side-encryption"]);
            Assert.Equal(options.S3.KmsKeyId, headers["x-amz-server-side-encryption-aws-kms-key-id"]);
            Assert.Equal("true", headers["x-amz-server-side-encryption-bucket-key-enabled"], ignoreCase: true);
            Assert.Equal("COMPLIANCE", headers["x-amz-object-lock-mode"]);
            Assert.True(headers.ContainsKey("x-amz-object-lock-retain-until-date"));
        });
        Assert.Equal(3, (await AuditLogVerifier.VerifyS3Async(options.S3, Ct)).Records);
    }

    [Theory]
    [InlineData(AuditS3Encryption.S3Managed, "AES256")]
    [InlineData(AuditS3Encryption.None, null)]
    public void ApplyEncryption_OtherModes_SetTheMatchingHeaderOrNone(AuditS3Encryption mode, string? expected)
    {
        var request = new Amazon.S3.Model.PutObjectRequest();

        S3AuditLayout.ApplyEncryption(request, new AuditS3Options { ServerSideEncryption = mode });

        Assert.Equal(expected, request.ServerSideEncryptionMethod?.Value);
        Assert.Null(request.ServerSideEncryptionKeyManagementServiceKeyId);
    }

    [Fact]
    public async Task ShipAsync_SameBatchAgain_OverwritesTheSameKeysWithoutDuplicates()
    {
        var (chain, records) = await ChainAsync(10);

        await _target.ShipAsync(chain, records, ShipPosition.Start, Ct);
        await _target.ShipAsync(chain, records, ShipPosition.Start, Ct);

        Assert.Single(await S3Objects.ListAsync(_target.Client, _s3.Bucket!, S3AuditLayout.BatchesPrefix(_s3.Prefix, chain), null, Ct));
        Assert.Equal(10, (await AuditLogVerifier.VerifyS3Async(_s3, Ct)).Records);
    }

    [Fact]
    public async Task InitializeAsync_ManifestBeyondCheckpoint_Adopted()
    {
        var (chain, records) = await ChainAsync(12);
        var first = await _target.ShipAsync(chain, records[..5], ShipPosition.Start, Ct);
        var second = await _target.ShipAsync(chain, records[5..], first, Ct);

        var (position, batchEnd) = await _target.InitializeAsync(chain, first, Ct);

        Assert.Equal(second, position);
        Assert.Null(batchEnd);
    }

    [Fact]
    public async Task InitializeAsync_BatchWithoutManifest_RepeatedWithTheSameBoundaries()
    {
        var (chain, records) = await ChainAsync(12);
        var first = await _target.ShipAsync(chain, records[..5], ShipPosition.Start, Ct);
        await _target.ShipAsync(chain, records[5..9], first, Ct);
        await _target.Client.DeleteObjectAsync(_s3.Bucket, S3AuditLayout.ManifestKey(_s3.Prefix, chain, 6, 9), Ct);

        var (position, batchEnd) = await _target.InitializeAsync(chain, first, Ct);

        Assert.Equal(first, position);
        Assert.Equal(9, batchEnd);
    }

    [Fact]
    public async Task InitializeAsync_LastManifestCutByACrash_BatchRepeatedAndTheManifestRewritten()
    {
        // What s3rver keeps when the uploading process is killed mid-PUT: an empty object (S3 itself keeps nothing).
        var (chain, records) = await ChainAsync(12);
        var first = await _target.ShipAsync(chain, records[..5], ShipPosition.Start, Ct);
        var second = await _target.ShipAsync(chain, records[5..9], first, Ct);
        await PutAsync(S3AuditLayout.ManifestKey(_s3.Prefix, chain, 6, 9), string.Empty);

        var (position, batchEnd) = await _target.InitializeAsync(chain, first, Ct);
        var again = await _target.ShipAsync(chain, records[5..9], position, Ct);
        var (after, _) = await _target.InitializeAsync(chain, first, Ct);

        Assert.Equal(first, position);
        Assert.Equal(9, batchEnd);
        Assert.Equal((second.Sequence, second.Hash), (again.Sequence, again.Hash)); // the same records as the batch the crash cut
        Assert.Equal(again, after); // the rewritten manifest continues the chain and is adopted
    }

    [Fact]
    public async Task InitializeAsync_UnreadableManifestFollowedByAnother_StopsWithConflict()
    {
        var (chain, records) = await ChainAsync(12);
        var first = await _target.ShipAsync(chain, records[..5], ShipPosition.Start, Ct);
        var second = await _target.ShipAsync(chain, records[5..9], first, Ct);
        await _target.ShipAsync(chain, records[9..], second, Ct);
        await PutAsync(S3AuditLayout.ManifestKey(_s3.Prefix, chain, 6, 9), "{not a manifest");

        await Assert.ThrowsAsync<AuditTargetConflictException>(() => _target.InitializeAsync(chain, first, Ct));
    }

    [Fact]
    public async Task InitializeAsync_ForeignManifestAfterCheckpoint_StopsWithConflict()
    {
        var (chain, records) = await ChainAsync(6);
        var first = await _target.ShipAsync(chain, records[..3], ShipPosition.Start, Ct);
        await _target.ShipAsync(chain, records[3..], first with { ManifestHash = new string('f', 64) }, Ct);

        await Assert.ThrowsAsync<AuditTargetConflictException>(() => _target.InitializeAsync(chain, first, Ct));
    }

    [Fact]
    public async Task VerifyS3Async_RecordEditedInABatch_ReportsObjectAndLine()
    {
        var (chain, records) = await ChainAsync(20);
        var first = await _target.ShipAsync(chain, records[..10], ShipPosition.Start, Ct);
        await _target.ShipAsync(chain, records[10..], first, Ct);
        var key = S3AuditLayout.BatchKey(_s3.Prefix, chain, 11, 20);
        var text = Encoding.UTF8.GetString((await S3Objects.GetAsync(_target.Client, _s3.Bucket!, key, Ct))!);
        await PutAsync(key, text.Replace("\"id\":\"rec-13\"", "\"id\":\"rec-99\"", StringComparison.Ordinal));

        var result = await AuditLogVerifier.VerifyS3Async(_s3, Ct);

        Assert.False(result.IsValid);
        Assert.Equal(key, result.File);
        Assert.Equal(3, result.Line);
        Assert.Equal(13, result.Sequence);
        Assert.Contains("record 13 was altered", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyS3Async_ChecksumInLastManifestAltered_ReportsMismatch()
    {
        var (chain, records) = await ChainAsync(5);
        await _target.ShipAsync(chain, records, ShipPosition.Start, Ct);
        var key = S3AuditLayout.ManifestKey(_s3.Prefix, chain, 1, 5);
        var manifest = S3AuditManifest.TryParse((await S3Objects.GetAsync(_target.Client, _s3.Bucket!, key, Ct))!)!;
        await PutAsync(key, Encoding.UTF8.GetString((manifest with { BatchSha256 = new string('0', 64) }).ToBytes()));

        var result = await AuditLogVerifier.VerifyS3Async(_s3, Ct);

        Assert.False(result.IsValid);
        Assert.Equal(S3AuditLayout.BatchKey(_s3.Prefix, chain, 1, 5), result.File);
        Assert.Contains("SHA-256 does not match the manifest", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyS3Async_BlankLineAddedToABatch_Reported()
    {
        var (chain, records) = await ChainAsync(5);
        await _target.ShipAsync(chain, records, ShipPosition.Start, Ct);
        var key = S3AuditLayout.BatchKey(_s3.Prefix, chain, 1, 5);
        await PutAsync(key, Encoding.UTF8.GetString((await S3Objects.GetAsync(_target.Client, _s3.Bucket!, key, Ct))!) + "\n");

        var result = await AuditLogVerifier.VerifyS3Async(_s3, Ct);

        Assert.False(result.IsValid);
        Assert.Equal(key, result.File);
        Assert.Equal(6, result.Line);
    }

    [Fact]
    public async Task VerifyS3Async_BatchAndManifestRemoved_ReportsTheBrokenManifestLink()
    {
        var (chain, records) = await ChainAsync(15);
        var position = ShipPosition.Start;
        foreach (var batch in records.Chunk(5))
        {
            position = await _target.ShipAsync(chain, batch, position, Ct);
        }

        await _target.Client.DeleteObjectAsync(_s3.Bucket, S3AuditLayout.ManifestKey(_s3.Prefix, chain, 6, 10), Ct);
        await _target.Client.DeleteObjectAsync(_s3.Bucket, S3AuditLayout.BatchKey(_s3.Prefix, chain, 6, 10), Ct);

        var result = await AuditLogVerifier.VerifyS3Async(_s3, Ct);

        Assert.False(result.IsValid);
        Assert.Equal(S3AuditLayout.ManifestKey(_s3.Prefix, chain, 11, 15), result.File);
        Assert.Contains("does not link to the manifest before it", result.Problem, StringComparison.Ordinal);
        Assert.Equal(5, result.Records);
    }

    [Fact]
    public async Task Cli_VerifyS3_ExitZeroWhenIntact()
    {
        var (chain, records) = await ChainAsync(7);
        await _target.ShipAsync(chain, records, ShipPosition.Start, Ct);
        var output = new StringWriter();

        var code = await CliApp.RunAsync(
            ["audit", "verify", "--s3", _s3.ServiceUrl!.ToString(), "--bucket", _s3.Bucket!, "--prefix", _s3.Prefix, "--access-key", _s3.AccessKey!, "--secret-key", _s3.SecretKey!, "--region", _s3.Region],
            output,
            TextWriter.Null,
            Ct);

        Assert.Equal(CliApp.Verified, code);
        Assert.Contains("verified 7 records in 1 chain(s)", output.ToString(), StringComparison.Ordinal);
    }

    internal static void Copy(AuditS3Options from, AuditS3Options to)
    {
        to.ServiceUrl = from.ServiceUrl;
        to.Bucket = from.Bucket;
        to.Prefix = from.Prefix;
        to.Region = from.Region;
        to.AccessKey = from.AccessKey;
        to.SecretKey = from.SecretKey;
        to.ForcePathStyle = from.ForcePathStyle;
        to.DisableChunkEncoding = from.DisableChunkEncoding;
        to.ObjectLockMode = from.ObjectLockMode;
        to.RetentionDays = from.RetentionDays;
        to.ServerSideEncryption = from.ServerSideEncryption;
        to.KmsKeyId = from.KmsKeyId;
    }

    private async Task PutAsync(string key, string text)
        => await _target.Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = _s3.Bucket,
            Key = key,
            ContentBody = text,
            UseChunkEncoding = false,
        }, Ct);

    private async Task<(string Chain, List<ChainedRecord> Records)> ChainAsync(int count)
    {
        string chain;
        await using (var sink = await Sinks.StartAsync(_dir.Path))
        {
            await Sinks.WriteAsync(sink, count);
            await sink.StopAsync(Ct);
            chain = sink.ChainId;
        }

        var records = new List<ChainedRecord>();
        new OutboxReader(_dir.Path).Read(records, int.MaxValue);
        return (chain, records);
    }
}
