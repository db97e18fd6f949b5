using Msil.Mcp.Policy.Opa.Tests.Infrastructure;

namespace Msil.Mcp.Policy.Opa.Tests;

/// <summary>The hand-written options rules; each message names its key.</summary>
public sealed class OpaPolicyOptionsValidatorTests
{
    private static string[] Errors(OpaPolicyOptions options)
        => new OpaPolicyOptionsValidator().Validate(null, options).Failures?.ToArray() ?? [];

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.Empty(Errors(new OpaPolicyOptions()));
    }

    [Fact]
    public void Validate_ShippedDataFile_Succeeds()
    {
        Assert.Empty(Errors(new OpaPolicyOptions { DataFile = RepoFiles.Policy("data.json") }));
    }

    [Theory]
    [InlineData("ftp://opa:8181")]
    [InlineData("http://opa:8181/?x=1")]
    public void Validate_OpaWithBadEndpoint_NamesTheEndpointKey(string endpoint)
    {
        var errors = Errors(new OpaPolicyOptions { Engine = PolicyEngine.Opa, Endpoint = new Uri(endpoint) });

        Assert.Contains(errors, e => e.StartsWith("Msil:Mcp:Policy:Endpoint", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EmbeddedWithBadEndpoint_IgnoresTheUnusedEndpoint()
    {
        Assert.Empty(Errors(new OpaPolicyOptions { Engine = PolicyEngine.Embedded, Endpoint = new Uri("ftp://opa:8181") }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("msil//authz")]
    [InlineData("msil/authz?x")]
    [InlineData("../secrets")]
    public void Validate_BadDecisionPath_NamesTheKey(string path)
    {
        Assert.Contains(Errors(new OpaPolicyOptions { DecisionPath = path }), e => e.StartsWith("Msil:Mcp:Policy:DecisionPath", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(31_000)]
    public void Validate_TimeoutOutOfRange_NamesTheKey(int milliseconds)
    {
        Assert.Contains(Errors(new OpaPolicyOptions { Timeout = TimeSpan.FromMilliseconds(milliseconds) }), e => e.StartsWith("Msil:Mcp:Policy:Timeout", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(301)]
    public void Validate_CacheDurationOutOfRange_NamesTheKey(int seconds)
    {
        Assert.Contains(Errors(new OpaPolicyOptions { DecisionCacheDuration = TimeSpan.FromSeconds(seconds) }), e => e.StartsWith("Msil:Mcp:Policy:DecisionCacheDuration", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_InvalidDataFile_NamesTheKeyAndTheProblem()
    {
        using var file = new TempDataFile("""{ "roles": { "viewer": { "risk_levels": ["reed"] } } }""");

        var errors = Errors(new OpaPolicyOptions { DataFile = file.Path });

        var error = Assert.Single(errors);
        Assert.StartsWith("Msil:Mcp:Policy:DataFile", error, StringComparison.Ordinal);
        Assert.Contains("reed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingEndpointAndDecisionPath_AnnotationsFailAndTheRulesDoNotThrow()
    {
        var options = new OpaPolicyOptions { Engine = PolicyEngine.Opa, Endpoint = null!, DecisionPath = null! };

        var annotations = new OpaPolicyOptionsAnnotationsValidator().Validate(null, options);
        var rules = Errors(options);

        Assert.True(annotations.Failed);
        Assert.Contains("Endpoint", annotations.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("DecisionPath", annotations.FailureMessage, StringComparison.Ordinal);
        Assert.Empty(rules);
    }
}
