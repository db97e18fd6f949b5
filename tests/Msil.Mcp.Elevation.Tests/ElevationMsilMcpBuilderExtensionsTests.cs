using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation.Redis;
using Msil.Mcp.Elevation.Tests.Support;
using Msil.Mcp.Hosting;
using StackExchange.Redis;

namespace Msil.Mcp.Elevation.Tests;

/// <summary>Registration (idempotent, store selection) and start-up validation of the options.</summary>
public sealed class ElevationMsilMcpBuilderExtensionsTests
{
    [Fact]
    public void AddElevation_CalledTwice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection();
        var mcp = services.AddMsilMcp();

        mcp.AddElevation().AddElevation(o => o.ApproverRole = "approver");

        Assert.Single(services, d => d.ServiceType == typeof(ElevationGate));
        Assert.Single(services, d => d.ServiceType == typeof(IElevationGate));
        Assert.Single(services, d => d.ServiceType == typeof(IMsilMcpEndpointContributor) && d.ImplementationType == typeof(ElevationEndpoints));
        Assert.Single(services, d => d.ServiceType == typeof(IElevationGrantStore));
    }

    [Fact]
    public void AddElevation_Default_GateIsElevationGateAndStoreIsInMemory()
    {
        using var f = new GateFixture();

        Assert.IsType<ElevationGate>(f.Services.GetRequiredService<IElevationGate>());
        Assert.IsType<InMemoryElevationGrantStore>(f.Store);
    }

    [Fact]
    public void AddElevation_StoreRedis_StoreIsRedisWithoutConnectingYet()
    {
        using var f = new GateFixture(o =>
        {
            o.Store = ElevationGrantStoreKind.Redis;
            o.RedisConnectionString = "127.0.0.1:1,abortConnect=false";
        });

        Assert.IsType<RedisElevationGrantStore>(f.Store);
    }

    [Fact]
    public void UseElevationGrantStore_CustomStore_ReplacesTheChosenOne()
    {
        using var f = new GateFixture(services: s => s.AddMsilMcp().UseElevationGrantStore<CustomStore>());

        Assert.IsType<CustomStore>(f.Store);
    }

    [Fact]
    public void ElevationTelemetry_Name_IsListedInMsilMcpTelemetry()
    {
        Assert.Equal("Msil.Mcp.Elevation", ElevationTelemetry.Name);
        Assert.Contains(ElevationTelemetry.Name, MsilMcpTelemetry.SourceNames);
        Assert.Equal(ElevationTelemetry.Name, ElevationTelemetry.Source.Name);
    }

    [Fact]
    public void Validate_Defaults_Succeeds()
        => Assert.True(Validate(new ElevationOptions()).Succeeded);

    [Fact]
    public void Validate_RedisWithoutConnectionOrMultiplexer_FailsNamingTheKey()
    {
        var result = Validate(new ElevationOptions { Store = ElevationGrantStoreKind.Redis });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Elevation:RedisConnectionString", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RedisWithRegisteredMultiplexer_Succeeds()
    {
        var result = Validate(new ElevationOptions { Store = ElevationGrantStoreKind.Redis }, multiplexer: true);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_UnparsableConnectionString_FailsWithoutEchoingThePassword()
    {
        var result = Validate(new ElevationOptions { Store = ElevationGrantStoreKind.Redis, RedisConnectionString = "127.0.0.1:6379,password=s3cret-pw,nonsense=1" });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Elevation:RedisConnectionString cannot be parsed", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadRedisSettings_NameEachKey()
    {
        var result = Validate(new ElevationOptions
        {
            Store = ElevationGrantStoreKind.Redis,
            RedisConnectionString = "127.0.0.1:6379",
            RedisKeyPrefix = "",
            RedisTimeout = TimeSpan.Zero,
            RedisCaCertificatePath = "/nonexistent/ca.crt",
        });

        Assert.Contains("Msil:Mcp:Elevation:RedisKeyPrefix", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Elevation:RedisTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Elevation:RedisCaCertificatePath", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ToolInTwoScopeGroups_Fails()
    {
        var options = new ElevationOptions();
        options.ScopeGroups["a"] = ["wipe"];
        options.ScopeGroups["b"] = ["wipe"];

        var result = Validate(options);

        Assert.Contains("Msil:Mcp:Elevation:ScopeGroups lists tool 'wipe' in both 'a' and 'b'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://pim.example/approve")]
    [InlineData("pim/approve")]
    [InlineData("//pim.example/approve")]
    [InlineData(" ")]
    public void Validate_BadTemplate_FailsNamingTheKey(string template)
        => Assert.Contains("Msil:Mcp:Elevation:ElevationUrlTemplate", Validate(new ElevationOptions { ElevationUrlTemplate = template }).FailureMessage, StringComparison.Ordinal);

    [Theory]
    [InlineData("https://pim.example/approve?u={user}&s={scope}&r={reference}")]
    [InlineData("/approve?user={user}&args={arguments_hash}&tool={tool}")]
    public void Validate_GoodTemplate_Succeeds(string template)
        => Assert.True(Validate(new ElevationOptions { ElevationUrlTemplate = template }).Succeeded);

    [Fact]
    public void Validate_Lifetimes_DefaultAboveMaximumAndSkewTooLargeFail()
    {
        var result = Validate(new ElevationOptions { DefaultGrantLifetime = TimeSpan.FromHours(9), MaxClockSkew = TimeSpan.FromHours(1) });

        Assert.Contains("Msil:Mcp:Elevation:DefaultGrantLifetime", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Elevation:MaxClockSkew", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ApprovalPageOutsideDevelopment_Fails()
    {
        var result = Validate(new ElevationOptions { EnableDevelopmentApprovalPage = true }, environment: "Production");

        Assert.Contains("Msil:Mcp:Elevation:EnableDevelopmentApprovalPage", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_BadOptions_HostDoesNotStart()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => ElevationTestHost.StartAsync(o => o.Store = ElevationGrantStoreKind.Redis));

        Assert.Contains("Msil:Mcp:Elevation:RedisConnectionString", ex.Message, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(ElevationOptions options, string environment = "Development", bool multiplexer = false)
    {
        var services = new ServiceCollection();
        if (multiplexer)
        {
            services.AddSingleton<IConnectionMultiplexer>(_ => throw new InvalidOperationException("not used"));
        }

        using var provider = services.BuildServiceProvider();
        var validator = new ElevationOptionsValidator(
            new HostingEnvironment { EnvironmentName = environment },
            provider.GetRequiredService<IServiceProviderIsService>());
        return validator.Validate(null, options);
    }

    private sealed class CustomStore : IElevationGrantStore
    {
        public ValueTask<ElevationGrant?> GetAsync(string principalKey, string scope, CancellationToken cancellationToken) => new((ElevationGrant?)null);

        public ValueTask SaveAsync(ElevationGrant grant, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<bool> RevokeAsync(string principalKey, string scope, CancellationToken cancellationToken) => new(false);

        public ValueTask<ElevationGrant?> ConsumeAsync(string principalKey, string scope, CancellationToken cancellationToken) => new((ElevationGrant?)null);
    }
}
