using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry.Tests.Startup;

/// <summary>The gateway URL against the document's <c>servers</c> base path (<see cref="StartupImporter.GatewayBasePathProblem"/>).</summary>
public sealed class GatewayBasePathCheckTests
{
    [Theory]
    [InlineData("""{"openapi":"3.0.3","info":{"title":"t","version":"1"},"servers":[{"url":"https://api.example.com/v2"}],"paths":{}}""", "/v2")]
    [InlineData("""{"openapi":"3.0.3","info":{"title":"t","version":"1"},"servers":[{"url":"https://api.example.com/"}],"paths":{}}""", null)]
    [InlineData("""{"openapi":"3.0.3","info":{"title":"t","version":"1"},"servers":[{"url":"/backend/"}],"paths":{}}""", "/backend")]
    [InlineData("""{"openapi":"3.0.3","info":{"title":"t","version":"1"},"servers":[{"url":"https://{host}/api/{version}","variables":{"host":{"default":"x.example"},"version":{"default":"v3"}}}],"paths":{}}""", "/api/v3")]
    [InlineData("""{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}""", null)]
    [InlineData("""{"swagger":"2.0","info":{"title":"t","version":"1"},"host":"api.example.com","basePath":"/v2","schemes":["https"],"paths":{}}""", "/v2")]
    public void Compile_Servers_ServerBasePath(string document, string? expected)
    {
        var compilation = new OpenApiToolCompiler().Compile(document, "doc");

        Assert.True(compilation.Succeeded);
        Assert.Equal(expected, compilation.ServerBasePath);
    }

    [Fact]
    public void Problem_GatewayWithoutBasePath_OneLineNamingKeysAndFix()
    {
        var problem = StartupImporter.GatewayBasePathProblem(Config(("Msil:Mcp:Apim:GatewayUrl", "http://apim/")), new OpenApiSourceOptions { Name = "orders" }, 1, "/v2");

        Assert.NotNull(problem);
        Assert.StartsWith("Msil:Mcp:Apim:GatewayUrl: the gateway URL http://apim/ does not end with '/v2'", problem, StringComparison.Ordinal);
        Assert.Contains("source 'orders' (Msil:Mcp:Registry:Sources:1)", problem, StringComparison.Ordinal);
        Assert.Contains("set Msil:Mcp:Apim:GatewayUrl to http://apim/v2", problem, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Registry:Sources:1:GatewayRewritesPath to true", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void Problem_NamedGateway_UsesItsKey()
    {
        var problem = StartupImporter.GatewayBasePathProblem(
            Config(("Msil:Mcp:Apim:GatewayUrl", "http://apim/v2"), ("Msil:Mcp:Apim:Gateways:hr:GatewayUrl", "https://hr-apim/api")),
            new OpenApiSourceOptions { Name = "hr", Gateway = "hr" }, 0, "/v2");

        Assert.StartsWith("Msil:Mcp:Apim:Gateways:hr:GatewayUrl:", problem, StringComparison.Ordinal);
        Assert.Contains("https://hr-apim/api/v2", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://apim/v2", "/v2", false)]
    [InlineData("http://apim/orders-api/v2/", "/v2", false)]
    [InlineData("http://apim/", null, false)]
    [InlineData("http://apim/", "/v2", true)]
    [InlineData(null, "/v2", false)]
    public void Problem_UrlsAgreeRewrittenOrUnknown_Null(string? gateway, string? basePath, bool rewrites)
    {
        var configuration = gateway is null ? Config() : Config(("Msil:Mcp:Apim:GatewayUrl", gateway));

        Assert.Null(StartupImporter.GatewayBasePathProblem(configuration, new OpenApiSourceOptions { Name = "o", GatewayRewritesPath = rewrites }, 0, basePath));
    }

    private static IConfiguration Config(params (string Key, string Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
