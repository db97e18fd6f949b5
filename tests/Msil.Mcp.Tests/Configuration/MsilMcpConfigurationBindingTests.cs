using Msil.Mcp.Conformance;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Redis;
using Msil.Mcp.Tasks;

namespace Msil.Mcp.Tests.Configuration;

/// <summary>
/// <c>AddMsilMcp(IConfiguration)</c> binds through the configuration binding source generator: every key of
/// docs/configuration.md (<c>Msil:Mcp</c> and its Redis, Users, RateLimit and Tasks subsections), set to a value other than
/// its default, lands in the options.
/// </summary>
public sealed class MsilMcpConfigurationBindingTests
{
    private static readonly Dictionary<string, string?> Values = new()
    {
        ["Msil:Mcp:ServerName"] = "orders",
        ["Msil:Mcp:ServerVersion"] = "9.8.7",
        ["Msil:Mcp:Instructions"] = "Use the order tools.",
        ["Msil:Mcp:SessionMode"] = "Stateful",
        ["Msil:Mcp:AllowedOrigins:0"] = "https://console.example",
        ["Msil:Mcp:AllowedOrigins:1"] = "https://chat.example",
        ["Msil:Mcp:MaxResultChars"] = "1000",
        ["Msil:Mcp:MaxArgumentBytes"] = "2000",
        ["Msil:Mcp:InputRequestStateLifetimeSeconds"] = "60",
        ["Msil:Mcp:ToolsListPageSize"] = "50",
        ["Msil:Mcp:ToolsListTtlSeconds"] = "30",
        ["Msil:Mcp:KeyRingRedisConnectionString"] = "keyring:6379",
        ["Msil:Mcp:AllowInsecureRedis"] = "true",
        ["Msil:Mcp:KeyRingRedisKey"] = "keys",
        ["Msil:Mcp:AdminRole"] = "root",
        ["Msil:Mcp:OperatorRole"] = "ops",
        ["Msil:Mcp:AllowAnonymousMetrics"] = "true",
        ["Msil:Mcp:ReadinessCacheSeconds"] = "9",
        ["Msil:Mcp:Redis:ConnectionString"] = "redis-0:6379,redis-1:6379",
        ["Msil:Mcp:Redis:Password"] = "pw",
        ["Msil:Mcp:Redis:User"] = "mcp",
        ["Msil:Mcp:Redis:Ssl"] = "true",
        ["Msil:Mcp:Redis:CaCertificatePath"] = "ca.pem",
        ["Msil:Mcp:Redis:Timeout"] = "00:00:07",
        ["Msil:Mcp:Redis:ClientName"] = "orders",
        ["Msil:Mcp:Redis:AllowInsecure"] = "true",
        ["Msil:Mcp:Users:Store"] = "PostgreSql",
        ["Msil:Mcp:Users:PostgreSqlConnectionString"] = "Host=db",
        ["Msil:Mcp:Users:Schema"] = "mcp",
        ["Msil:Mcp:Users:TableName"] = "users",
        ["Msil:Mcp:Users:FlushInterval"] = "00:00:09",
        ["Msil:Mcp:RateLimit:Enabled"] = "false",
        ["Msil:Mcp:RateLimit:PerUser:PermitsPerMinute"] = "61",
        ["Msil:Mcp:RateLimit:PerUser:Burst"] = "62",
        ["Msil:Mcp:RateLimit:Read:PermitsPerMinute"] = "63",
        ["Msil:Mcp:RateLimit:Read:Burst"] = "64",
        ["Msil:Mcp:RateLimit:Write:PermitsPerMinute"] = "65",
        ["Msil:Mcp:RateLimit:Write:Burst"] = "66",
        ["Msil:Mcp:RateLimit:Privileged:PermitsPerMinute"] = "67",
        ["Msil:Mcp:RateLimit:Privileged:Burst"] = "68",
        ["Msil:Mcp:RateLimit:Store"] = "Redis",
        ["Msil:Mcp:RateLimit:KeyPrefix"] = "rl:",
        ["Msil:Mcp:RateLimit:RedisConnectionString"] = "rl:6379",
        ["Msil:Mcp:RateLimit:AllowInsecureRedis"] = "true",
        ["Msil:Mcp:RateLimit:RedisTimeout"] = "00:00:03",
        ["Msil:Mcp:RateLimit:RedisCaCertificatePath"] = "rl-ca.pem",
        ["Msil:Mcp:RateLimit:RedisClock"] = "Host",
        ["Msil:Mcp:RateLimit:WhenRedisUnavailable"] = "Refuse",
        ["Msil:Mcp:Tasks:Enabled"] = "false",
        ["Msil:Mcp:Tasks:ImmediateResultWindowMs"] = "0",
        ["Msil:Mcp:Tasks:TtlSeconds"] = "120",
        ["Msil:Mcp:Tasks:PollIntervalMs"] = "250",
        ["Msil:Mcp:Tasks:MaxActivePerCaller"] = "4",
        ["Msil:Mcp:Tasks:RedisConnectionString"] = "tasks:6379",
        ["Msil:Mcp:Tasks:AllowInsecureRedis"] = "true",
        ["Msil:Mcp:Tasks:RedisKeyPrefix"] = "t:",
    };

    [Fact]
    public void AddMsilMcp_FullSection_EveryDocumentedKeyLandsInTheOptions()
    {
        using var services = ConfigurationBindingAssert.Register(Values, static (s, c) => s.AddMsilMcp(c.GetSection("Msil:Mcp")));

        var count = ConfigurationBindingAssert.Landed(ConfigurationBindingAssert.Configured<MsilMcpOptions>(services), "Msil:Mcp", Values, "Redis", "Users", "RateLimit", "Tasks")
            + ConfigurationBindingAssert.Landed(ConfigurationBindingAssert.Configured<MsilMcpRedisOptions>(services), "Msil:Mcp:Redis", Values)
            + ConfigurationBindingAssert.Landed(ConfigurationBindingAssert.Configured<UserDirectoryOptions>(services), "Msil:Mcp:Users", Values)
            + ConfigurationBindingAssert.Landed(ConfigurationBindingAssert.Configured<RateLimitOptions>(services), "Msil:Mcp:RateLimit", Values)
            + ConfigurationBindingAssert.Landed(ConfigurationBindingAssert.Configured<ToolTaskOptions>(services), "Msil:Mcp:Tasks", Values);

        Assert.Equal(Values.Count, count);
    }

    [Fact]
    public void AddMsilMcp_BadEnumValue_FailsNamingTheKey()
    {
        var values = new Dictionary<string, string?> { ["Msil:Mcp:SessionMode"] = "Sticky" };
        using var services = ConfigurationBindingAssert.Register(values, static (s, c) => s.AddMsilMcp(c.GetSection("Msil:Mcp")));

        var ex = Assert.Throws<InvalidOperationException>(() => ConfigurationBindingAssert.Configured<MsilMcpOptions>(services));

        Assert.Contains("Msil:Mcp:SessionMode", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMsilMcp_ConfigurationOverloads_NeedNoUnreferencedOrDynamicCode()
    {
        Assert.Equal(3, ConfigurationBindingAssert.TrimSafe(typeof(Microsoft.Extensions.DependencyInjection.MsilMcpServiceCollectionExtensions)));
    }
}
