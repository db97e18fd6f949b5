using Msil.Mcp.Conformance;

namespace Msil.Mcp.Apim.Tests;

/// <summary>
/// <c>AddApim(IConfiguration)</c> binds through the configuration binding source generator: every key of
/// docs/configuration.md lands in the options, for the default gateway and a named one.
/// </summary>
public sealed class ApimConfigurationBindingTests
{
    private static readonly Dictionary<string, string?> Values = WithGateway(new()
    {
        ["Msil:Mcp:Apim:HttpClientLogging"] = "true",
    }, "Msil:Mcp:Apim", "default");

    [Fact]
    public void AddApim_FullSection_EveryDocumentedKeyLandsInTheOptions()
    {
        var values = WithGateway(new(Values), "Msil:Mcp:Apim:Gateways:Billing", "billing");
        using var services = ConfigurationBindingAssert.Register(values, static (s, c) => s.AddMsilMcp().AddApim(c.GetSection("Msil:Mcp:Apim")));

        var options = ConfigurationBindingAssert.Configured<ApimOptions>(services);

        Assert.Equal(values.Count, ConfigurationBindingAssert.Landed(options, "Msil:Mcp:Apim", values));
        Assert.Equal(new Uri("https://billing.example/api"), options.Gateways["billing"].GatewayUrl);
        Assert.Equal("default-key", options.SubscriptionKey);
    }

    private static Dictionary<string, string?> WithGateway(Dictionary<string, string?> values, string prefix, string name)
    {
        values[prefix + ":GatewayUrl"] = $"https://{name}.example/api";
        values[prefix + ":AllowInsecureHttp"] = "true";
        values[prefix + ":SubscriptionKey"] = name + "-key";
        values[prefix + ":SubscriptionKeyHeader"] = "X-Key";
        values[prefix + ":SubscriptionKeyQueryName"] = "key";
        values[prefix + ":DefaultAudience"] = "api://" + name;
        values[prefix + ":ClientCertificatePath"] = name + ".crt";
        values[prefix + ":ClientKeyPath"] = name + ".key";
        values[prefix + ":CaCertificatePath"] = name + "-ca.pem";
        values[prefix + ":ConnectTimeout"] = "00:00:02";
        values[prefix + ":ReadTimeout"] = "00:00:20";
        values[prefix + ":TotalTimeout"] = "00:00:40";
        values[prefix + ":RetryMaxAttempts"] = "1";
        values[prefix + ":RetryBackoffBase"] = "00:00:00.5000000";
        values[prefix + ":RetryBackoffMax"] = "00:00:05";
        values[prefix + ":CircuitBreakerThreshold"] = "7";
        values[prefix + ":CircuitBreakerSamplingDuration"] = "00:02:00";
        values[prefix + ":CircuitBreakerBreakDuration"] = "00:00:15";
        values[prefix + ":PooledConnectionLifetime"] = "00:10:00";
        values[prefix + ":MaxResponseBytes"] = "1024";
        return values;
    }

    [Fact]
    public void AddApim_ConfigurationOverloads_NeedNoUnreferencedOrDynamicCode()
    {
        Assert.Equal(1, ConfigurationBindingAssert.TrimSafe(typeof(ApimMsilMcpBuilderExtensions)));
    }
}
