using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa.Embedded;
using Msil.Mcp.Policy.Opa.Opa;

namespace Msil.Mcp.Policy.Opa.Tests;

/// <summary>Registration: idempotent, configuration binding, engine choice, start-up validation, telemetry names.</summary>
public sealed class OpaPolicyMsilMcpBuilderExtensionsTests
{
    [Fact]
    public void AddOpaPolicy_CalledTwice_RegistersOneEngineAndOnePolicyDecisionPoint()
    {
        var services = new ServiceCollection();
        var mcp = services.AddMsilMcp();

        mcp.AddOpaPolicy().AddOpaPolicy(o => o.DecisionCacheDuration = TimeSpan.FromSeconds(1));

        Assert.Single(services, d => d.ServiceType == typeof(IPolicyDecisionPoint));
        Assert.Single(services, d => d.ServiceType == typeof(EmbeddedPolicyDecisionPoint));
        Assert.Single(services, d => d.ServiceType == typeof(OpaPolicyDecisionPoint));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<OpaPolicyOptions>) && d.ImplementationType == typeof(OpaPolicyOptionsValidator));
    }

    [Fact]
    public void AddOpaPolicy_NoOptions_ReplacesTheCoresFailClosedDefaultWithTheEmbeddedEngine()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMsilMcp().AddOpaPolicy();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<EmbeddedPolicyDecisionPoint>(provider.GetRequiredService<IPolicyDecisionPoint>());
    }

    [Fact]
    public void AddOpaPolicy_ConfigurationSection_BindsEveryKey()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Msil:Mcp:Policy:Engine"] = "Opa",
            ["Msil:Mcp:Policy:Endpoint"] = "http://127.0.0.1:18181",
            ["Msil:Mcp:Policy:DecisionPath"] = "acme/authz",
            ["Msil:Mcp:Policy:Timeout"] = "00:00:00.250",
            ["Msil:Mcp:Policy:DecisionCacheDuration"] = "00:00:02",
            ["Msil:Mcp:Policy:IncludeArguments"] = "true",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddMsilMcp().AddOpaPolicy(config.GetSection(OpaPolicyOptions.SectionName));
        using var provider = services.BuildServiceProvider();

        var o = provider.GetRequiredService<IOptions<OpaPolicyOptions>>().Value;

        Assert.Equal(PolicyEngine.Opa, o.Engine);
        Assert.Equal(new Uri("http://127.0.0.1:18181"), o.Endpoint);
        Assert.Equal("acme/authz", o.DecisionPath);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(2), o.DecisionCacheDuration);
        Assert.True(o.IncludeArguments);
        Assert.IsType<OpaPolicyDecisionPoint>(provider.GetRequiredService<IPolicyDecisionPoint>());
    }

    [Fact]
    public async Task AddOpaPolicy_BadConfiguration_HostFailsToStartNamingTheKeys()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddMsilMcp().AddOpaPolicy(o =>
        {
            o.Engine = PolicyEngine.Opa;
            o.Endpoint = new Uri("ftp://opa:8181");
            o.Timeout = TimeSpan.Zero;
            o.DataFile = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "data.json");
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Msil:Mcp:Policy:Endpoint", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Policy:Timeout", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Policy:DataFile", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PolicyTelemetry_Name_IsListedInMsilMcpTelemetrySourceNames()
    {
        Assert.Contains(PolicyTelemetry.Name, MsilMcpTelemetry.SourceNames);
        Assert.Equal(PolicyTelemetry.Name, typeof(OpaPolicyOptions).Assembly.GetName().Name);
    }
}
