using System.Reflection;
using Microsoft.Extensions.Options;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests;

/// <summary>Named options per gateway: <c>IOptionsMonitor&lt;ApimGatewayOptions&gt;.Get(name)</c> from the unchanged keys, reloaded and validated per name.</summary>
public sealed class ApimGatewayOptionsSetupTests
{
    [Fact]
    public async Task Get_ByName_ReadsTheGatewaysKeys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Msil:Mcp:Apim:GatewayUrl"] = "https://apim.example",
            ["Msil:Mcp:Apim:CircuitBreakerThreshold"] = "7",
            ["Msil:Mcp:Apim:Gateways:payments:GatewayUrl"] = "https://payments.example",
            ["Msil:Mcp:Apim:Gateways:payments:RetryMaxAttempts"] = "1",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMsilMcp().AddApim(configuration.GetSection("Msil:Mcp:Apim"));
        await using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<ApimGatewayOptions>>();

        var main = monitor.Get(Options.DefaultName);
        var payments = monitor.Get("payments");

        Assert.Equal(new Uri("https://apim.example"), main.GatewayUrl);
        Assert.Equal(7, main.CircuitBreakerThreshold);
        Assert.Equal(new Uri("https://payments.example"), payments.GatewayUrl);
        Assert.Equal(1, payments.RetryMaxAttempts);
        Assert.Equal(5, payments.CircuitBreakerThreshold);
    }

    [Fact]
    public async Task Get_AfterReload_ReadsTheNewValues()
    {
        var source = new Dictionary<string, string?>
        {
            ["Msil:Mcp:Apim:Gateways:payments:GatewayUrl"] = "https://payments.example",
            ["Msil:Mcp:Apim:Gateways:payments:SubscriptionKey"] = "old",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(source).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMsilMcp().AddApim(configuration.GetSection("Msil:Mcp:Apim"));
        await using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<ApimGatewayOptions>>();
        Assert.Equal("old", monitor.Get("payments").SubscriptionKey);

        configuration["Msil:Mcp:Apim:Gateways:payments:SubscriptionKey"] = "new";
        configuration.Reload();

        Assert.Equal("new", monitor.Get("payments").SubscriptionKey);
    }

    [Fact]
    public async Task Get_InvalidNamedGateway_FailsNamingItsKey()
    {
        await using var harness = ApimHarness.Create(o =>
        {
            o.GatewayUrl = new Uri("https://apim.example");
            o.Gateways["payments"] = new ApimGatewayOptions { GatewayUrl = new Uri("https://payments.example") };
        }, services => services.Configure<ApimGatewayOptions>("payments", o => o.RetryMaxAttempts = 99));

        var error = Assert.Throws<OptionsValidationException>(() => harness.Services.GetRequiredService<IOptionsMonitor<ApimGatewayOptions>>().Get("payments"));

        Assert.Contains("Msil:Mcp:Apim:Gateways:payments:RetryMaxAttempts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CopyTo_CopiesEverySetting()
    {
        var source = new ApimGatewayOptions();
        var properties = typeof(ApimGatewayOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        foreach (var property in properties)
        {
            property.SetValue(source, property.PropertyType switch
            {
                var t when t == typeof(Uri) => new Uri("https://copied.example"),
                var t when t == typeof(string) => "copied",
                var t when t == typeof(bool) => true,
                var t when t == typeof(int) => 4242,
                var t when t == typeof(TimeSpan) => TimeSpan.FromSeconds(4242),
                var t => throw new InvalidOperationException($"Add a test value for {t}."),
            });
        }

        var target = new ApimGatewayOptions();
        source.CopyTo(target);

        Assert.All(properties, p => Assert.Equal(p.GetValue(source), p.GetValue(target)));
    }
}
