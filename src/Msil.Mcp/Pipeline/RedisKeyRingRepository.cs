using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using StackExchange.Redis;

namespace Msil.Mcp.Pipeline;

/// <summary>
/// Keeps the ASP.NET Core Data Protection key ring in one Redis list, so that every replica can verify the request
/// state another replica issued for an input-required result. The connection is opened on first use; while Redis is
/// unreachable the key ring cannot be read and protected state is refused (fail closed), never weakened.
/// </summary>
internal sealed class RedisKeyRingRepository : IXmlRepository, IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _connection;
    private readonly RedisKey _key;

    public RedisKeyRingRepository(string connectionString, string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        // No abort on a failed first connect: the client reconnects in the background, so a Redis outage at start
        // refuses protected state only while it lasts (a failed connect must not be cached for the process's life).
        var configuration = MsilRedisConfiguration.Create(connectionString, TimeSpan.FromSeconds(5), "msil-mcp-keyring");
        _connection = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(configuration), LazyThreadSafetyMode.ExecutionAndPublication);
        _key = key;
    }

    public IReadOnlyCollection<XElement> GetAllElements()
        => [.. _connection.Value.GetDatabase().ListRange(_key).Where(v => v.HasValue).Select(v => XElement.Parse(v.ToString()))];

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        _connection.Value.GetDatabase().ListRightPush(_key, element.ToString(SaveOptions.DisableFormatting));
    }

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }
}
