using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Registry.Catalog;

/// <summary>The manifest of one revision's shared catalog: what its chunks must add up to.</summary>
/// <param name="Revision">The store revision the catalog was built from.</param>
/// <param name="ToolCount">The number of served tools in the catalog.</param>
/// <param name="Bytes">The length of the catalog's JSON, all chunks together.</param>
/// <param name="Chunks">The lowercase hex SHA-256 of each chunk, in order.</param>
internal sealed record CatalogManifest(long Revision, int ToolCount, int Bytes, List<string> Chunks);

/// <summary>
/// Shares each store revision's served catalog through HybridCache (Redis as its second level) at any size: one small
/// manifest entry and chunks of at most <see cref="ToolRegistryOptions.CatalogCacheChunkBytes"/> bytes, each its own
/// entry, so no entry reaches HybridCache's <c>MaximumPayloadBytes</c> (1 MiB by default, above which it is silently
/// not stored). A reader checks every chunk against the manifest's SHA-256 and the whole against its length and tool
/// count; any chunk missing, mismatched or unreadable means the catalog is rebuilt from the store (logged and counted)
/// and shared again: a partial catalog is never served.
/// </summary>
internal sealed class ChunkedCatalogCache(HybridCache cache, int chunkBytes, ILogger logger, RegistryTelemetry? telemetry)
{
    private static readonly HybridCacheEntryOptions Entry = new() { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromMinutes(5) };

    // A chunk is only ever read: a miss must not be stored (the factory returns null for "missing").
    private static readonly HybridCacheEntryOptions ReadOnly = new() { Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite };

    /// <summary>Reads the shared catalog under <paramref name="key"/>, or builds it (<paramref name="build"/>) and shares it.</summary>
    public async Task<CachedCatalog> GetOrBuildAsync(string key, Func<CancellationToken, Task<CachedCatalog>> build, CancellationToken cancellationToken)
    {
        CachedCatalog? built = null;
        var manifestBytes = await cache.GetOrCreateAsync(
            ManifestKey(key),
            async ct =>
            {
                built = await build(ct).ConfigureAwait(false);
                return await WriteChunksAsync(key, built, ct).ConfigureAwait(false);
            },
            Entry,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (built is not null)
        {
            telemetry?.CatalogLoaded(RegistryTelemetry.CatalogBuilt);
            return built;
        }

        var (catalog, problem, chunk, chunks) = await ReadAsync(key, manifestBytes, cancellationToken).ConfigureAwait(false);
        if (catalog is not null)
        {
            telemetry?.CatalogLoaded(RegistryTelemetry.CatalogShared);
            return catalog;
        }

        Log.SharedCatalogRejected(logger, chunk, chunks, problem);
        telemetry?.CatalogLoaded(RegistryTelemetry.CatalogRebuilt);
        built = await build(cancellationToken).ConfigureAwait(false);
        var manifest = await WriteChunksAsync(key, built, cancellationToken).ConfigureAwait(false);
        await cache.SetAsync(ManifestKey(key), manifest, Entry, cancellationToken: cancellationToken).ConfigureAwait(false);
        return built;
    }

    internal static string ManifestKey(string key) => key + ":manifest";

    internal static string ChunkKey(string key, int index) => key + ":chunk:" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes the catalog's chunks and returns its manifest's bytes (stored by the caller, after the chunks).</summary>
    private async ValueTask<byte[]> WriteChunksAsync(string key, CachedCatalog catalog, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(catalog, RegistryJsonContext.Default.CachedCatalog);
        var count = Math.Max(1, (bytes.Length + chunkBytes - 1) / chunkBytes);
        var hashes = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var chunk = bytes.AsSpan(i * chunkBytes, Math.Min(chunkBytes, bytes.Length - (i * chunkBytes))).ToArray();
            hashes.Add(Convert.ToHexStringLower(SHA256.HashData(chunk)));
            await cache.SetAsync(ChunkKey(key, i), chunk, Entry, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return JsonSerializer.SerializeToUtf8Bytes(new CatalogManifest(catalog.Revision, catalog.Tools.Count, bytes.Length, hashes), RegistryJsonContext.Default.CatalogManifest);
    }

    /// <summary>Reassembles the catalog from its chunks, or says which chunk failed and how.</summary>
    private async ValueTask<(CachedCatalog? Catalog, string Problem, int Chunk, int Chunks)> ReadAsync(string key, byte[] manifestBytes, CancellationToken cancellationToken)
    {
        CatalogManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(manifestBytes, RegistryJsonContext.Default.CatalogManifest);
        }
        catch (JsonException)
        {
            manifest = null;
        }

        if (manifest is not { Chunks.Count: > 0 } || manifest.Bytes < 0)
        {
            return (null, "the manifest is unreadable", 0, 0);
        }

        var count = manifest.Chunks.Count;
        var buffer = new byte[manifest.Bytes];
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            var chunk = await cache.GetOrCreateAsync(ChunkKey(key, i), static _ => ValueTask.FromResult<byte[]?>(null), ReadOnly, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (chunk is null)
            {
                return (null, "missing", i, count);
            }

            if (chunk.Length > buffer.Length - offset || !string.Equals(Convert.ToHexStringLower(SHA256.HashData(chunk)), manifest.Chunks[i], StringComparison.Ordinal))
            {
                return (null, "not the chunk its manifest names (SHA-256 or length differs)", i, count);
            }

            chunk.CopyTo(buffer, offset);
            offset += chunk.Length;
        }

        if (offset != buffer.Length)
        {
            return (null, "short of the manifest's length", count - 1, count);
        }

        try
        {
            var catalog = JsonSerializer.Deserialize(buffer, RegistryJsonContext.Default.CachedCatalog);
            return catalog is not null && catalog.Tools.Count == manifest.ToolCount
                ? (catalog, string.Empty, 0, count)
                : (null, "reassembled into a catalog of another size than its manifest's", count - 1, count);
        }
        catch (JsonException)
        {
            return (null, "reassembled into unreadable JSON", count - 1, count);
        }
    }
}
