using Microsoft.Extensions.Options;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests;

/// <summary>The options: the seed's figures as defaults, binding of named gateways and start-up validation that names keys.</summary>
public sealed class ApimOptionsTests
{
    [Fact]
    public void Defaults_AreTheSeedFigures()
    {
        var o = new ApimOptions();

        Assert.Equal("Msil:Mcp:Apim", ApimOptions.SectionName);
        Assert.Equal("Ocp-Apim-Subscription-Key", o.SubscriptionKeyHeader);
        Assert.Equal(TimeSpan.FromSeconds(5), o.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), o.ReadTimeout);
        Assert.Equal(3, o.RetryMaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), o.RetryBackoffBase);
        Assert.Equal(TimeSpan.FromSeconds(10), o.RetryBackoffMax);
        Assert.Equal(5, o.CircuitBreakerThreshold);
        Assert.Equal(TimeSpan.FromSeconds(60), o.CircuitBreakerSamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), o.CircuitBreakerBreakDuration);
        Assert.Equal(256 * 1024, o.MaxResponseBytes);
        Assert.Equal(TimeSpan.FromSeconds(60), o.TotalTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), o.PooledConnectionLifetime);
        Assert.Null(o.ClientCertificatePath);
        Assert.Null(o.CaCertificatePath);
        Assert.Empty(o.Gateways);
    }

    [Fact]
    public void Defaults_OfANamedGateway_AreTheSeedFiguresToo()
    {
        var o = new ApimGatewayOptions();

        Assert.Equal(5, o.CircuitBreakerThreshold);
        Assert.Equal(3, o.RetryMaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(30), o.ReadTimeout);
    }

    [Fact]
    public async Task AddApim_Configuration_BindsDefaultAndNamedGateways()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Msil:Mcp:Apim:GatewayUrl"] = "https://apim.example/dealers",
            ["Msil:Mcp:Apim:SubscriptionKey"] = "k1",
            ["Msil:Mcp:Apim:RetryMaxAttempts"] = "2",
            ["Msil:Mcp:Apim:Gateways:payments:GatewayUrl"] = "https://pay.example",
            ["Msil:Mcp:Apim:Gateways:payments:SubscriptionKey"] = "k2",
            ["Msil:Mcp:Apim:Gateways:payments:CircuitBreakerBreakDuration"] = "00:00:10",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMsilMcp().AddApim(configuration.GetSection("Msil:Mcp:Apim"));
        await using var provider = services.BuildServiceProvider();

        var o = provider.GetRequiredService<IOptions<ApimOptions>>().Value;

        Assert.Equal(new Uri("https://apim.example/dealers"), o.GatewayUrl);
        Assert.Equal(2, o.RetryMaxAttempts);
        var payments = o.Gateways["PAYMENTS"];
        Assert.Equal(new Uri("https://pay.example"), payments.GatewayUrl);
        Assert.Equal("k2", payments.SubscriptionKey);
        Assert.Equal(TimeSpan.FromSeconds(10), payments.CircuitBreakerBreakDuration);
        Assert.Equal(3, payments.RetryMaxAttempts);
    }

    [Fact]
    public void Validate_NoGatewayUrl_NamesTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ApimHarness.Create(_ => { }));

        Assert.Contains("Msil:Mcp:Apim:GatewayUrl must be set", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://apim.example")]
    [InlineData("https://apim.example/?x=1")]
    public void Validate_BadGatewayUrl_NamesTheKey(string url)
    {
        var error = Assert.Throws<OptionsValidationException>(() => ApimHarness.Create(o => o.GatewayUrl = new Uri(url)));

        Assert.Contains("Msil:Mcp:Apim:GatewayUrl must be an absolute http(s) URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NamedGatewayErrors_NameTheGatewayKeys()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ApimHarness.Create(o =>
        {
            o.GatewayUrl = new Uri("https://apim.example");
            o.Gateways["payments"] = new ApimGatewayOptions { RetryMaxAttempts = 11, TotalTimeout = TimeSpan.FromSeconds(1) };
            o.Gateways["default"] = new ApimGatewayOptions { GatewayUrl = new Uri("https://x.example") };
        }));

        Assert.Contains("Msil:Mcp:Apim:Gateways:payments:GatewayUrl must be set", error.Message, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Apim:Gateways:payments:RetryMaxAttempts must be between 0 and 10", error.Message, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Apim:Gateways:payments:TotalTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Apim:Gateways:default: 'default' cannot name a gateway", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(ApimGatewayOptions.CircuitBreakerThreshold), "Msil:Mcp:Apim:CircuitBreakerThreshold must be between 1 and 1000")]
    [InlineData(nameof(ApimGatewayOptions.MaxResponseBytes), "Msil:Mcp:Apim:MaxResponseBytes must be between 1024 and 67108864")]
    [InlineData(nameof(ApimGatewayOptions.ReadTimeout), "Msil:Mcp:Apim:ReadTimeout must be between")]
    [InlineData(nameof(ApimGatewayOptions.RetryBackoffMax), "Msil:Mcp:Apim:RetryBackoffMax must be at least")]
    [InlineData(nameof(ApimGatewayOptions.SubscriptionKeyHeader), "Msil:Mcp:Apim:SubscriptionKeyHeader must be a valid header name")]
    public void Validate_OutOfRange_NamesTheKey(string property, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => ApimHarness.Create(o =>
        {
            o.GatewayUrl = new Uri("https://apim.example");
            switch (property)
            {
                case nameof(ApimGatewayOptions.CircuitBreakerThreshold): o.CircuitBreakerThreshold = 0; break;
                case nameof(ApimGatewayOptions.MaxResponseBytes): o.MaxResponseBytes = 10; break;
                case nameof(ApimGatewayOptions.ReadTimeout): o.ReadTimeout = TimeSpan.Zero; break;
                case nameof(ApimGatewayOptions.RetryBackoffMax): o.RetryBackoffMax = TimeSpan.FromMilliseconds(1); break;
                default: o.SubscriptionKeyHeader = "Bad Header"; break;
            }
        }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PlainHttpGatewayInProduction_RefusesNamingTheKeyAndTheFix()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ApimHarness.Create(o =>
        {
            o.GatewayUrl = new Uri("http://apim.example/dealers");
            o.Gateways["payments"] = new ApimGatewayOptions { GatewayUrl = new Uri("http://pay.example") };
        }, environment: "Production"));

        Assert.Contains("Msil:Mcp:Apim:GatewayUrl: 'http://apim.example' is plain http", error.Message, StringComparison.Ordinal);
        Assert.Contains("use https or set Msil:Mcp:Apim:AllowInsecureHttp=true", error.Message, StringComparison.Ordinal);
        Assert.Contains("use https or set Msil:Mcp:Apim:Gateways:payments:AllowInsecureHttp=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_PlainHttpGatewayInProductionWithAllowInsecureHttp_StartsAndLogsAWarning()
    {
        await using var harness = ApimHarness.Create(o =>
        {
            o.GatewayUrl = new Uri("http://apim.example/dealers");
            o.AllowInsecureHttp = true;
        }, services => services.AddFakeLogging(), environment: "Production");

        var warning = Assert.Single(harness.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Name == "InsecureGatewayAllowed");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Msil:Mcp:Apim:AllowInsecureHttp=true", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_HttpsGatewayInProduction_Passes()
    {
        await using var harness = ApimHarness.Create(o => o.GatewayUrl = new Uri("https://apim.example"), environment: "Production");

        Assert.Equal(new Uri("https://apim.example"), harness.Services.GetRequiredService<IOptions<ApimOptions>>().Value.GatewayUrl);
    }

    [Fact]
    public void Validate_PlainHttpWithoutHostEnvironment_IsRefusedAsInProduction()
    {
        var result = new ApimOptionsValidator().Validate(null, new ApimOptions { GatewayUrl = new Uri("http://apim.example") });

        Assert.True(result.Failed);
        Assert.Contains("AllowInsecureHttp=true", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeedDefaultsWithUrl_Pass()
    {
        var result = new ApimOptionsValidator().Validate(null, new ApimOptions { GatewayUrl = new Uri("https://apim.example") });

        Assert.True(result.Succeeded);
    }
}
