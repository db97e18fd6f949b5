using Msil.Mcp.Conformance;

namespace Msil.Mcp.Elevation.Tests;

/// <summary><c>AddElevation(IConfiguration)</c> binds through the configuration binding source generator: every key of docs/configuration.md lands in the options.</summary>
public sealed class ElevationConfigurationBindingTests
{
    private static readonly Dictionary<string, string?> Values = new()
    {
        ["Msil:Mcp:Elevation:ElevationUrlTemplate"] = "https://pim.example/ask?u={user}&s={scope}&r={reference}",
        ["Msil:Mcp:Elevation:DefaultGrantLifetime"] = "00:30:00",
        ["Msil:Mcp:Elevation:MaxGrantLifetime"] = "04:00:00",
        ["Msil:Mcp:Elevation:ApproverRole"] = "approver",
        ["Msil:Mcp:Elevation:ScopeGroups:orders-admin:0"] = "delete_order",
        ["Msil:Mcp:Elevation:ScopeGroups:orders-admin:1"] = "refund_order",
        ["Msil:Mcp:Elevation:EnableDevelopmentApprovalPage"] = "true",
        ["Msil:Mcp:Elevation:MaxClockSkew"] = "00:00:30",
        ["Msil:Mcp:Elevation:Store"] = "Redis",
        ["Msil:Mcp:Elevation:RedisConnectionString"] = "grants:6379",
        ["Msil:Mcp:Elevation:AllowInsecureRedis"] = "true",
        ["Msil:Mcp:Elevation:RedisKeyPrefix"] = "pim:",
        ["Msil:Mcp:Elevation:RedisTimeout"] = "00:00:02",
        ["Msil:Mcp:Elevation:RedisCaCertificatePath"] = "redis-ca.pem",
        ["Msil:Mcp:Elevation:AdminRole"] = "root",
        ["Msil:Mcp:Elevation:PendingRequestLifetime"] = "00:05:00",
        ["Msil:Mcp:Elevation:MaxPendingRequests"] = "10",
    };

    [Fact]
    public void AddElevation_FullSection_EveryDocumentedKeyLandsInTheOptions()
    {
        using var services = ConfigurationBindingAssert.Register(Values, static (s, c) => s.AddMsilMcp().AddElevation(c.GetSection("Msil:Mcp:Elevation")));

        var options = ConfigurationBindingAssert.Configured<ElevationOptions>(services);

        Assert.Equal(Values.Count, ConfigurationBindingAssert.Landed(options, "Msil:Mcp:Elevation", Values));
        Assert.Equal(["delete_order", "refund_order"], options.ScopeGroups["orders-admin"]);
    }

    [Fact]
    public void AddElevation_ConfigurationOverloads_NeedNoUnreferencedOrDynamicCode()
    {
        Assert.Equal(1, ConfigurationBindingAssert.TrimSafe(typeof(ElevationMsilMcpBuilderExtensions)));
    }
}
