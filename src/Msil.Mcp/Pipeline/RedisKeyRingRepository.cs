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
        _connection = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(connectionString), LazyThreadSafetyMode.ExecutionAndPublication);
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
