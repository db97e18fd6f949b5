using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Msil.Mcp.Audit.S3;

/// <summary>
/// Where audit objects live in the bucket and what a manifest says. For chain <c>c</c> and prefix <c>p</c>:
/// <c>p/c/batches/{first:D20}-{last:D20}.jsonl</c> holds records first..last, byte for byte as in the chain files;
/// <c>p/c/manifests/{first:D20}-{last:D20}.json</c> names that batch, its SHA-256, its first <c>prev</c> and last
/// hash, and the SHA-256 of the manifest before it. Keys follow from the sequence numbers alone, so a retried upload
/// overwrites an identical object, and listing returns them in chain order.
/// </summary>
internal static class S3AuditLayout
{
    public static string NormalizePrefix(string? prefix)
    {
        var p = (prefix ?? string.Empty).Trim('/');
        return p.Length == 0 ? string.Empty : p + "/";
    }

    public static string ChainPrefix(string prefix, string chainId) => NormalizePrefix(prefix) + chainId + "/";

    public static string BatchesPrefix(string prefix, string chainId) => ChainPrefix(prefix, chainId) + "batches/";

    public static string ManifestsPrefix(string prefix, string chainId) => ChainPrefix(prefix, chainId) + "manifests/";

    public static string Range(long first, long last)
        => first.ToString("D20", CultureInfo.InvariantCulture) + "-" + last.ToString("D20", CultureInfo.InvariantCulture);

    public static string BatchKey(string prefix, string chainId, long first, long last) => BatchesPrefix(prefix, chainId) + Range(first, last) + ".jsonl";

    public static string ManifestKey(string prefix, string chainId, long first, long last) => ManifestsPrefix(prefix, chainId) + Range(first, last) + ".json";

    /// <summary>Reads first and last sequence from a batch or manifest key.</summary>
    public static bool TryParseRange(string key, out long first, out long last)
    {
        first = last = 0;
        var name = key[(key.LastIndexOf('/') + 1)..];
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot != 41 || name[20] != '-')
        {
            return false;
        }

        return long.TryParse(name.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out first)
            && long.TryParse(name.AsSpan(21, 20), NumberStyles.None, CultureInfo.InvariantCulture, out last);
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Creates the S3 client the options describe.</summary>
    /// <summary>Asks for the configured server-side encryption on <paramref name="request"/> (seed §9: SSE-KMS).</summary>
    public static void ApplyEncryption(Amazon.S3.Model.PutObjectRequest request, AuditS3Options o)
    {
        switch (o.ServerSideEncryption)
        {
            case AuditS3Encryption.Kms:
                request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS;
                request.BucketKeyEnabled = true;
                if (!string.IsNullOrWhiteSpace(o.KmsKeyId))
                {
                    request.ServerSideEncryptionKeyManagementServiceKeyId = o.KmsKeyId;
                }

                break;
            case AuditS3Encryption.S3Managed:
                request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256;
                break;
        }
    }

    public static AmazonS3Client CreateClient(AuditS3Options o)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = o.ForcePathStyle,
            MaxErrorRetry = 2,
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (o.ServiceUrl is not null)
        {
            config.ServiceURL = o.ServiceUrl.ToString();
            config.AuthenticationRegion = o.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(o.Region);
        }

        return string.IsNullOrEmpty(o.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(o.AccessKey, o.SecretKey), config);
    }
}

/// <summary>One manifest object: the link between a batch object and the manifest chain.</summary>
internal sealed record S3AuditManifest(
    string Chain,
    long FirstSequence,
    long LastSequence,
    long Records,
    string FirstPrevious,
    string LastHash,
    string BatchKey,
    string BatchSha256,
    long BatchBytes,
    string PreviousManifest,
    string Created)
{
    public byte[] ToBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("chain", Chain);
            w.WriteNumber("first_seq", FirstSequence);
            w.WriteNumber("last_seq", LastSequence);
            w.WriteNumber("records", Records);
            w.WriteString("first_prev", FirstPrevious);
            w.WriteString("last_hash", LastHash);
            w.WriteString("batch_key", BatchKey);
            w.WriteString("batch_sha256", BatchSha256);
            w.WriteNumber("batch_bytes", BatchBytes);
            w.WriteString("prev_manifest", PreviousManifest);
            w.WriteString("created", Created);
            w.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    public static S3AuditManifest? TryParse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes);
            using var doc = JsonDocument.ParseValue(ref reader);
            var r = doc.RootElement;
            return new S3AuditManifest(
                r.GetProperty("chain").GetString()!,
                r.GetProperty("first_seq").GetInt64(),
                r.GetProperty("last_seq").GetInt64(),
                r.GetProperty("records").GetInt64(),
                r.GetProperty("first_prev").GetString()!,
                r.GetProperty("last_hash").GetString()!,
                r.GetProperty("batch_key").GetString()!,
                r.GetProperty("batch_sha256").GetString()!,
                r.GetProperty("batch_bytes").GetInt64(),
                r.GetProperty("prev_manifest").GetString()!,
                r.GetProperty("created").GetString()!);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException)
        {
            return null;
        }
    }
}

/// <summary>Reads whole objects.</summary>
internal static class S3Objects
{
    public static async Task<byte[]?> GetAsync(IAmazonS3 s3, string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false);
            using var memory = new MemoryStream();
            await response.ResponseStream.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
            return memory.ToArray();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Lists every key under <paramref name="prefix"/> after <paramref name="startAfter"/>, in key order.</summary>
    public static async Task<List<string>> ListAsync(IAmazonS3 s3, string bucket, string prefix, string? startAfter, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var request = new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket, Prefix = prefix, StartAfter = startAfter };
        while (true)
        {
            var response = await s3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            foreach (var o in response.S3Objects ?? [])
            {
                keys.Add(o.Key);
            }

            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                break;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }
}
