using System.Text;
using System.Text.Json;

namespace Msil.Mcp.Audit.Outbox;

/// <summary>Where a target's shipping stands: the last record shipped, its hash and, for S3, the last manifest's hash.</summary>
/// <param name="Sequence">The last record shipped (0 = none).</param>
/// <param name="Hash">Its hash (the genesis hash when none).</param>
/// <param name="ManifestHash">The SHA-256 of the last manifest object (S3 only).</param>
internal sealed record ShipPosition(long Sequence, string Hash, string? ManifestHash = null)
{
    public static ShipPosition Start { get; } = new(0, AuditRecordSerializer.Genesis);
}

/// <summary>
/// The checkpoint file of one target, <c>shipped-{target}.json</c> next to the outbox. It is written atomically (temp
/// file, fsync, rename) after each successful shipment and carries a fingerprint of the target, so pointing a target
/// at another database or bucket starts over rather than skipping records.
/// </summary>
internal static class ShipCheckpoint
{
    public static string PathOf(string directory, string target) => Path.Combine(directory, $"shipped-{target}.json");

    /// <summary>Reads the checkpoint; <see langword="null"/> when there is none or it belongs to another target or chain.</summary>
    public static ShipPosition? Read(string directory, string target, string fingerprint, string chainId, out bool mismatched)
    {
        mismatched = false;
        var path = PathOf(directory, target);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            if (!string.Equals(root.GetProperty("fingerprint").GetString(), fingerprint, StringComparison.Ordinal)
                || !string.Equals(root.GetProperty("chain").GetString(), chainId, StringComparison.Ordinal))
            {
                mismatched = true;
                return null;
            }

            var manifest = root.TryGetProperty("manifest", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return new ShipPosition(root.GetProperty("seq").GetInt64(), root.GetProperty("hash").GetString() ?? AuditRecordSerializer.Genesis, manifest);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            mismatched = true;
            return null;
        }
    }

    public static void Write(string directory, string target, string fingerprint, string chainId, ShipPosition position)
    {
        var path = PathOf(directory, target);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                w.WriteString("target", target);
                w.WriteString("fingerprint", fingerprint);
                w.WriteString("chain", chainId);
                w.WriteNumber("seq", position.Sequence);
                w.WriteString("hash", position.Hash);
                if (position.ManifestHash is not null)
                {
                    w.WriteString("manifest", position.ManifestHash);
                }

                w.WriteEndObject();
            }

            stream.Write("\n"u8);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>A fingerprint that names a target without its secrets.</summary>
    public static string Fingerprint(params string?[] parts)
    {
        var sb = new StringBuilder();
        foreach (var part in parts)
        {
            sb.Append(part).Append('|');
        }

        return sb.ToString();
    }
}
