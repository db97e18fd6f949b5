using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Startup;

/// <summary>A start-up source whose file does not exist names its key and the fix, before the server reports ready.</summary>
public sealed class StartupImporterConfigurationTests
{
    [Fact]
    public async Task Start_SourcePathDoesNotExist_ConfigurationErrorNamingTheKey()
    {
        var ex = await Assert.ThrowsAsync<MsilMcpConfigurationException>(() => RegistryTestHost.StartAsync(o =>
        {
            o.Sources.Add(new OpenApiSourceOptions { Name = "orders", Path = "specs/orders-typo.yaml" });
        }));

        var problem = Assert.Single(ex.Problems);
        Assert.StartsWith("Msil:Mcp:Registry:Sources:0:Path: ", problem, StringComparison.Ordinal);
        Assert.Contains("'specs/orders-typo.yaml'", problem, StringComparison.Ordinal);
        Assert.Contains("does not exist", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(Environment.NewLine, problem, StringComparison.Ordinal);
    }
}
