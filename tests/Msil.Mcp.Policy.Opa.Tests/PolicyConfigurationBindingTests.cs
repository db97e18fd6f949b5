using Msil.Mcp.Conformance;

namespace Msil.Mcp.Policy.Opa.Tests;

/// <summary><c>AddOpaPolicy(IConfiguration)</c> binds through the configuration binding source generator: every key of docs/configuration.md lands in the options.</summary>
public sealed class PolicyConfigurationBindingTests
{
    private static readonly Dictionary<string, string?> Values = new()
    {
        ["Msil:Mcp:Policy:Engine"] = "Opa",
        ["Msil:Mcp:Policy:DataFile"] = "policy/data.json",
        ["Msil:Mcp:Policy:Endpoint"] = "http://opa:8282/",
        ["Msil:Mcp:Policy:DecisionPath"] = "orders/authz",
        ["Msil:Mcp:Policy:Timeout"] = "00:00:02",
        ["Msil:Mcp:Policy:DecisionCacheDuration"] = "00:00:00",
        ["Msil:Mcp:Policy:IncludeArguments"] = "true",
    };

    [Fact]
    public void AddOpaPolicy_FullSection_EveryDocumentedKeyLandsInTheOptions()
    {
        using var services = ConfigurationBindingAssert.Register(Values, static (s, c) => s.AddMsilMcp().AddOpaPolicy(c.GetSection("Msil:Mcp:Policy")));

        var options = ConfigurationBindingAssert.Configured<OpaPolicyOptions>(services);

        Assert.Equal(Values.Count, ConfigurationBindingAssert.Landed(options, "Msil:Mcp:Policy", Values));
    }

    [Fact]
    public void AddOpaPolicy_UnknownEngine_FailsNamingTheKey()
    {
        var values = new Dictionary<string, string?> { ["Msil:Mcp:Policy:Engine"] = "Rego" };
        using var services = ConfigurationBindingAssert.Register(values, static (s, c) => s.AddMsilMcp().AddOpaPolicy(c.GetSection("Msil:Mcp:Policy")));

        var ex = Assert.Throws<InvalidOperationException>(() => ConfigurationBindingAssert.Configured<OpaPolicyOptions>(services));

        Assert.Contains("Msil:Mcp:Policy:Engine", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddOpaPolicy_ConfigurationOverloads_NeedNoUnreferencedOrDynamicCode()
    {
        Assert.Equal(1, ConfigurationBindingAssert.TrimSafe(typeof(OpaPolicyMsilMcpBuilderExtensions)));
    }
}
