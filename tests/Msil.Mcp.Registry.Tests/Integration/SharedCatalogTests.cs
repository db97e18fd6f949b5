using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.Tests.Support;
using StackExchange.Redis;

namespace Msil.Mcp.Registry.Tests.Integration;

/// <summary>
/// A catalog over HybridCache's 1 MiB entry limit (2,000 generated tools) shared through the real Redis as a manifest
/// and chunks: a second instance reads it from Redis without loading the store, and a corrupted or missing chunk makes
/// it load the store instead (never a partial catalog).
/// </summary>
[Trait("Category", "Integration")]
public sealed class SharedCatalogTests : IAsyncLifetime
{
    private const int ToolCount = 2000;
    private readonly string _schema = Shared.UniqueSchema();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await Shared.DropSchemaAsync(_schema);

    [Fact]
    public async Task SecondInstance_CatalogOverOneMebibyte_ReadFromRedisNotFromTheStore()
    {
        await using var a = await Start(withSource: true);
        var (key, manifest) = await ManifestAsync(a);
        Assert.True(manifest.Bytes > 1024 * 1024, $"the catalog is {manifest.Bytes} bytes; the test needs one over 1 MiB");
        Assert.Equal(ToolCount, manifest.ToolCount);
        Assert.True(manifest.Chunks.Count >= 5, $"{manifest.Chunks.Count} chunks");
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(Shared.Redis))
        {
            var database = redis.GetDatabase();
            for (var i = 0; i < manifest.Chunks.Count; i++)
            {
                Assert.True(await database.KeyExistsAsync(RedisKey(ChunkedCatalogCache.ChunkKey(key, i))), $"chunk {i} is not in Redis");
            }
        }

        await using var b = await Start(withSource: false);

        Assert.Equal(0, b.Services.GetRequiredService<ToolRegistry>().StoreLoads);
        Assert.Equal(ToolCount, b.Catalog.Current.Tools.Count);
        Assert.Equal(
            a.Catalog.Current.Tools.Select(t => t.Name + "|" + t.ContentHash).Order(StringComparer.Ordinal),
            b.Catalog.Current.Tools.Select(t => t.Name + "|" + t.ContentHash).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SecondInstance_ChunkCorruptedOrMissing_LoadsTheStoreAndServesTheWholeCatalog(bool delete)
    {
        await using var a = await Start(withSource: true);
        var (key, manifest) = await ManifestAsync(a);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(Shared.Redis))
        {
            var database = redis.GetDatabase();
            var chunk = RedisKey(ChunkedCatalogCache.ChunkKey(key, manifest.Chunks.Count / 2));
            if (delete)
            {
                Assert.True(await database.KeyDeleteAsync(chunk));
            }
            else
            {
                await CorruptAsync(database, chunk);
            }
        }

        await using var b = await Start(withSource: false);

        Assert.Equal(1, b.Services.GetRequiredService<ToolRegistry>().StoreLoads);
        Assert.Equal(ToolCount, b.Catalog.Current.Tools.Count);
        var rejected = Assert.Single(b.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 2171);
        Assert.Contains($"chunk {manifest.Chunks.Count / 2} of {manifest.Chunks.Count}", rejected.Message, StringComparison.Ordinal);

        // The rebuilt catalog was shared again: a third instance reads it from Redis.
        await using var c = await Start(withSource: false);
        Assert.Equal(0, c.Services.GetRequiredService<ToolRegistry>().StoreLoads);
        Assert.Equal(ToolCount, c.Catalog.Current.Tools.Count);
    }

    /// <summary>The HybridCache key of the instance's current revision and its manifest, read through its HybridCache.</summary>
    private static async Task<(string Key, CatalogManifest Manifest)> ManifestAsync(RegistryTestHost host)
    {
        var registry = host.Services.GetRequiredService<ToolRegistry>();
        var key = $"msil:tools:{registry.Store.Fingerprint}:{registry.Revision}";
        var bytes = await host.Services.GetRequiredService<HybridCache>().GetOrCreateAsync(
            ChunkedCatalogCache.ManifestKey(key),
            static _ => ValueTask.FromResult<byte[]?>(null),
            new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite },
            cancellationToken: Ct);
        Assert.NotNull(bytes);
        return (key, JsonSerializer.Deserialize(bytes, RegistryJsonContext.Default.CatalogManifest)!);
    }

    /// <summary>The Redis key of a HybridCache entry (the registry's RedisCache instance name before it).</summary>
    private static RedisKey RedisKey(string key) => "msil:tools:cache:" + key;

    /// <summary>Flips one byte in the middle of the stored entry's value (a RedisCache hash's data field, or a plain string).</summary>
    private static async Task CorruptAsync(IDatabase database, RedisKey key)
    {
        var type = await database.KeyTypeAsync(key);
        Assert.NotEqual(RedisType.None, type);
        byte[] value = type == RedisType.Hash ? (byte[])(await database.HashGetAsync(key, "data"))! : (byte[])(await database.StringGetAsync(key))!;
        value[value.Length / 2] ^= 0x5A;
        if (type == RedisType.Hash)
        {
            await database.HashSetAsync(key, "data", value);
        }
        else
        {
            await database.StringSetAsync(key, value, null, keepTtl: true);
        }
    }

    private Task<RegistryTestHost> Start(bool withSource) => RegistryTestHost.StartAsync(
        o =>
        {
            o.Store = ToolStoreKind.PostgreSql;
            o.ConnectionString = Shared.PostgreSql;
            o.Schema = _schema;
            o.Redis = Shared.Redis;
            o.RevisionCheckInterval = TimeSpan.Zero;
            if (withSource)
            {
                var document = Operations(ToolCount);
                o.Sources.Add(new OpenApiSourceOptions { Name = "bulk", Open = () => new MemoryStream(Encoding.UTF8.GetBytes(document)) });
            }
        },
        services: s => s.AddFakeLogging());

    /// <summary>An OpenAPI document with <paramref name="count"/> operations, each with a path and two query parameters and a description.</summary>
    private static string Operations(int count)
    {
        var sb = new StringBuilder("{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"bulk\",\"version\":\"1\"},\"paths\":{");
        for (var i = 0; i < count; i++)
        {
            sb.Append(i == 0 ? string.Empty : ",")
                .Append("\"/v1/area").Append(i % 17).Append("/items").Append(i).Append("/{id}\":{\"get\":{\"operationId\":\"op").Append(i)
                .Append("\",\"summary\":\"Operation number ").Append(i).Append(" of the bulk document, which reads one item of its area\",\"parameters\":[")
                .Append("{\"name\":\"id\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"},\"description\":\"Item id\"},")
                .Append("{\"name\":\"region\",\"in\":\"query\",\"schema\":{\"type\":\"string\",\"enum\":[\"north\",\"south\"]},\"description\":\"Region\"},")
                .Append("{\"name\":\"limit\",\"in\":\"query\",\"schema\":{\"type\":\"integer\",\"maximum\":100},\"description\":\"Limit\"}]")
                .Append(",\"responses\":{\"200\":{\"description\":\"ok\",\"content\":{\"application/json\":{\"schema\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}}}}}}}");
        }

        return sb.Append("}}").ToString();
    }
}
