using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Msil.Mcp.Registry.Catalog;

/// <summary>
/// Tells the other instances that the store changed: a message <c>{revision} {store fingerprint}</c> on the Redis channel
/// <c>msil:tools:changed</c>. Without Redis it does nothing (one instance, nothing to tell).
/// </summary>
internal sealed class RegistryChangeBus(RegistryRedis redis, ILogger<RegistryChangeBus> logger)
{
    /// <summary>The channel name.</summary>
    public const string ChannelName = "msil:tools:changed";

    private static readonly RedisChannel Channel = RedisChannel.Literal(ChannelName);

    public async Task PublishAsync(string fingerprint, long revision, CancellationToken cancellationToken)
    {
        if (!redis.Configured)
        {
            return;
        }

        try
        {
            var connection = await redis.GetAsync(cancellationToken).ConfigureAwait(false);
            if (connection is not null)
            {
                await connection.GetSubscriber().PublishAsync(Channel, revision.ToString(CultureInfo.InvariantCulture) + " " + fingerprint).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.PublishFailed(logger, ex);
        }
    }

    /// <summary>Calls <paramref name="onChange"/> with the revision of every message about the store <paramref name="fingerprint"/>.</summary>
    public async Task<bool> SubscribeAsync(string fingerprint, Action<long> onChange, CancellationToken cancellationToken)
    {
        if (!redis.Configured)
        {
            return false;
        }

        var connection = await redis.GetAsync(cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            return false;
        }

        await connection.GetSubscriber().SubscribeAsync(Channel, (_, message) =>
        {
            var text = (string?)message;
            var space = text?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
            if (space > 0
                && string.Equals(text![(space + 1)..], fingerprint, StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var revision))
            {
                onChange(revision);
            }
        }).ConfigureAwait(false);
        Log.Subscribed(logger, ChannelName);
        return true;
    }
}
