using Msil.Mcp.Conformance;

namespace Msil.Mcp.Registry.Tests;

/// <summary>
/// <c>AddToolRegistry(IConfiguration)</c> binds through the configuration binding source generator: every key of
/// docs/configuration.md lands in the options, and a source's <see cref="OpenApiSourceOptions.Open"/> (code only, not
/// bound) set in code still works next to configured sources.
/// </summary>
public sealed class RegistryConfigurationBindingTests
{
    private static readonly Dictionary<string, string?> Values = new()
    {
        ["Msil:Mcp:Registry:Sources:0:Name"] = "orders",
        ["Msil:Mcp:Registry:Sources:0:Path"] = "openapi/orders.yaml",
        ["Msil:Mcp:Registry:Sources:0:Gateway"] = "billing",
        ["Msil:Mcp:Registry:Sources:0:Audience"] = "api://orders",
        ["Msil:Mcp:Registry:Sources:0:GatewayRewritesPath"] = "true",
        ["Msil:Mcp:Registry:Sources:0:Select:0:Action"] = "Exclude",
        ["Msil:Mcp:Registry:Sources:0:Select:0:Tags:0"] = "internal",
        ["Msil:Mcp:Registry:Sources:0:Select:0:Paths:0"] = "/admin/**",
        ["Msil:Mcp:Registry:Sources:0:Select:0:Methods:0"] = "DELETE",
        ["Msil:Mcp:Registry:Sources:0:Select:0:OperationIds:0"] = "purge",
        ["Msil:Mcp:Registry:Sources:0:Select:1:RiskLevel"] = "privileged",
        ["Msil:Mcp:Registry:Sources:1:Name"] = "remote",
        ["Msil:Mcp:Registry:Sources:1:Url"] = "https://specs.example/remote.json",
        ["Msil:Mcp:Registry:Sources:1:RefreshInterval"] = "00:05:00",
        ["Msil:Mcp:Registry:Store"] = "PostgreSql",
        ["Msil:Mcp:Registry:SqlitePath"] = "data/registry.db",
        ["Msil:Mcp:Registry:ConnectionString"] = "Host=db;Database=registry",
        ["Msil:Mcp:Registry:Schema"] = "tools",
        ["Msil:Mcp:Registry:Redis"] = "registry:6379",
        ["Msil:Mcp:Registry:SslMode"] = "VerifyFull",
        ["Msil:Mcp:Registry:MinPoolSize"] = "1",
        ["Msil:Mcp:Registry:MaxPoolSize"] = "3",
        ["Msil:Mcp:Registry:PoolTimeout"] = "00:00:05",
        ["Msil:Mcp:Registry:ConnectionLifetime"] = "00:05:00",
        ["Msil:Mcp:Registry:StatementTimeout"] = "00:00:09",
        ["Msil:Mcp:Registry:LockTimeout"] = "00:00:02",
        ["Msil:Mcp:Registry:AllowInsecurePostgreSql"] = "true",
        ["Msil:Mcp:Registry:AllowInsecureRedis"] = "true",
        ["Msil:Mcp:Registry:RevisionCheckInterval"] = "00:00:00",
        ["Msil:Mcp:Registry:AdminRole"] = "curator",
        ["Msil:Mcp:Registry:OperatorRole"] = "ops",
        ["Msil:Mcp:Registry:RequireSecondApproval"] = "false",
        ["Msil:Mcp:Registry:AllowedImportHosts:0"] = "specs.example",
        ["Msil:Mcp:Registry:AllowPrivateAddresses"] = "true",
        ["Msil:Mcp:Registry:FetchTimeout"] = "00:00:10",
        ["Msil:Mcp:Registry:MaxDescriptionLength"] = "200",
        ["Msil:Mcp:Registry:MaxToolSchemaBytes"] = "4096",
        ["Msil:Mcp:Registry:MaxDocumentBytes"] = "1048576",
        ["Msil:Mcp:Registry:MaxToolsPerImport"] = "10",
    };

    [Fact]
    public void AddToolRegistry_FullSection_EveryDocumentedKeyLandsInTheOptions()
    {
        using var services = ConfigurationBindingAssert.Register(Values, static (s, c) => s.AddMsilMcp().AddToolRegistry(c.GetSection("Msil:Mcp:Registry")));

        var options = ConfigurationBindingAssert.Configured<ToolRegistryOptions>(services);

        Assert.Equal(Values.Count, ConfigurationBindingAssert.Landed(options, "Msil:Mcp:Registry", Values));
        Assert.Equal(2, options.Sources.Count);
        Assert.Equal(2, options.Sources[0].Select.Count);
        Assert.All(options.Sources, s => Assert.Null(s.Open));
    }

    [Fact]
    public void AddOpenApiSource_OpenSetInCode_KeptNextToConfiguredSources()
    {
        static Stream Open() => new MemoryStream("{}"u8.ToArray());
        using var services = ConfigurationBindingAssert.Register(Values, static (s, c) => s.AddMsilMcp()
            .AddToolRegistry(c.GetSection("Msil:Mcp:Registry"))
            .AddOpenApiSource("embedded", Open));

        var configured = ConfigurationBindingAssert.Configured<ToolRegistryOptions>(services);

        var embedded = Assert.Single(configured.Sources, s => s.Name == "embedded");
        Assert.NotNull(embedded.Open);
        Assert.Equal(3, configured.Sources.Count);
    }

    [Fact]
    public void AddToolRegistry_ConfigurationOverloads_NeedNoUnreferencedOrDynamicCode()
    {
        Assert.Equal(1, ConfigurationBindingAssert.TrimSafe(typeof(RegistryMsilMcpBuilderExtensions)));
    }
}
