using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols;
using StackExchange.Redis;

namespace Msil.Mcp.Auth.Validation;

/// <summary>
/// Fetches an issuer's discovery document and JWKS over HTTP and keeps a copy in Redis (the keys under
/// <c>jwks:{issuer}:keys</c>). When the issuer cannot be reached, the copy is served instead, so every replica keeps
/// validating with the keys any replica last saw. Fetching always goes to the issuer first, so a rotated key is found.
/// </summary>
internal sealed class SharedJwksRetriever(
    IDocumentRetriever inner,
    string issuer,
    string metadataAddress,
    Func<IDatabase?> redis,
    TimeSpan lifetime,
    ILogger logger) : IDocumentRetriever
{
    public async Task<string> GetDocumentAsync(string address, CancellationToken cancel)
    {
        var key = KeyFor(address);
        try
        {
            var document = await inner.GetDocumentAsync(address, cancel).ConfigureAwait(false);
            await StoreAsync(key, document).ConfigureAwait(false);
            return document;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var db = TryDatabase();
            if (db is not null)
            {
                try
                {
                    // A replica's copy is good enough for keys the issuer published (seed §8.2 read_from_replicas).
                    var cached = await db.StringGetAsync(key, CommandFlags.PreferReplica).ConfigureAwait(false);
                    if (cached.HasValue)
                    {
                        Log.IssuerUnreachableUsingSharedKeys(logger, issuer);
                        return cached.ToString();
                    }
                }
                catch (RedisException)
                {
                    // Fall through: neither the issuer nor the shared cache can be reached.
                }
            }

            throw;
        }
    }

    internal string KeyFor(string address)
        => string.Equals(address, metadataAddress, StringComparison.Ordinal) ? $"jwks:{issuer}:configuration" : $"jwks:{issuer}:keys";

    private async Task StoreAsync(string key, string document)
    {
        var db = TryDatabase();
        if (db is null)
        {
            return;
        }

        try
        {
            await db.StringSetAsync(key, document, lifetime).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            Log.SharedKeyCacheUnavailable(logger, issuer);
        }
    }

    private IDatabase? TryDatabase()
    {
        try
        {
            return redis();
        }
        catch (RedisException)
        {
            return null;
        }
    }
}
