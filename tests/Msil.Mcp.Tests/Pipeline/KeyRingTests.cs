using Microsoft.AspNetCore.DataProtection;
using Msil.Mcp.Tests.Infrastructure;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>
/// Replicas that share the Data Protection key ring in Redis (Msil:Mcp:KeyRingRedisConnectionString) can read each
/// other's protected request state; replicas without it cannot. Real Redis (REDIS_CONNECTION_STRING).
/// </summary>
public sealed class KeyRingTests
{
    private readonly string _key = "test:" + Guid.NewGuid().ToString("N")[..10] + ":dataprotection:keys";

    [Fact]
    public void SharedRedisKeyRing_StateProtectedOnOneReplica_ReadOnAnother()
    {
        var redis = TestServices.Require("REDIS_CONNECTION_STRING");
        using var a = Replica(o => { o.KeyRingRedisConnectionString = redis; o.KeyRingRedisKey = _key; });
        using var b = Replica(o => { o.KeyRingRedisConnectionString = redis; o.KeyRingRedisKey = _key; });

        var state = Protector(a).Protect("cart=42");

        Assert.Equal("cart=42", Protector(b).Unprotect(state));
        using var connection = StackExchange.Redis.ConnectionMultiplexer.Connect(redis);
        var db = connection.GetDatabase();
        try
        {
            // The key ring really lives in Redis (not in a folder both replicas happen to share on this machine).
            var stored = db.ListRange(_key);
            Assert.NotEmpty(stored);
            Assert.All(stored, v => Assert.Contains("<key ", v.ToString(), StringComparison.Ordinal));
        }
        finally
        {
            db.KeyDelete(_key);
        }
    }

    [Fact]
    public void NoSharedKeyRing_StateFromAnotherReplica_Refused()
    {
        var root = Path.Combine(Path.GetTempPath(), "msil-keyring-" + Guid.NewGuid().ToString("N")[..8]);
        using var a = Replica(_ => { }, Path.Combine(root, "a"));
        using var b = Replica(_ => { }, Path.Combine(root, "b"));

        var state = Protector(a).Protect("cart=42");

        try
        {
            Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => Protector(b).Unprotect(state));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static IDataProtector Protector(ServiceProvider provider)
        => provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("msil-mcp-key-ring-test");

    private static ServiceProvider Replica(Action<MsilMcpOptions> configure, string? ownKeys = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMsilMcp(configure);
        var dataProtection = services.AddDataProtection().SetApplicationName("msil-mcp-key-ring-test");
        if (ownKeys is not null)
        {
            // A replica with a key ring of its own, as each pod has without a shared one.
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(ownKeys));
        }

        return services.BuildServiceProvider();
    }
}
