using System.Text;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa.Embedded;
using Msil.Mcp.Policy.Opa.Tests.Infrastructure;

namespace Msil.Mcp.Policy.Opa.Tests.Embedded;

/// <summary>Parsing and compiling data.json.</summary>
public sealed class PolicyDataTests
{
    private static PolicyData Parse(string json) => PolicyData.Parse(Encoding.UTF8.GetBytes(json), "test.json");

    [Fact]
    public void Parse_ShippedData_HasTheDemoRolesAndToolRules()
    {
        var data = PolicyData.Parse(File.ReadAllBytes(RepoFiles.Policy("data.json")), "data.json");

        Assert.True(data.Roles["viewer"].Allows(RiskLevel.Read));
        Assert.False(data.Roles["viewer"].Allows(RiskLevel.Write));
        Assert.True(data.Roles["operator"].Allows(RiskLevel.Write));
        Assert.False(data.Roles["operator"].Allows(RiskLevel.Privileged));
        Assert.True(data.Roles["admin"].Allows(RiskLevel.Privileged));
        Assert.Equal("tool 'process_payment' is denied to group 'contractors'", data.Tools["process_payment"].DenyGroups["contractors"].Reason);
    }

    [Fact]
    public void Parse_EmbeddedDefault_EqualsTheRepositoryFile()
    {
        using var stream = typeof(PolicyEngine).Assembly.GetManifestResourceStream("Msil.Mcp.Policy.Opa.data.json");
        Assert.NotNull(stream);
        using var reader = new StreamReader(stream);

        Assert.Equal(RepoFiles.ReadText(RepoFiles.Policy("data.json")), reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_RoleNames_AreCaseInsensitiveAndLowerCasedInReasons()
    {
        var data = Parse("""{ "roles": { "Auditor": { "risk_levels": ["READ"] } } }""");

        var role = data.Roles["AUDITOR"];
        Assert.Equal("auditor", role.Name);
        Assert.Equal("role 'auditor' may use read tools", role.AllowReason(RiskLevel.Read));
    }

    [Fact]
    public void Parse_UnknownRiskLevel_ThrowsNamingThePath()
    {
        var ex = Assert.Throws<FormatException>(() => Parse("""{ "roles": { "viewer": { "risk_levels": ["read", "delete"] } } }"""));

        Assert.Contains("roles.viewer.risk_levels", ex.Message, StringComparison.Ordinal);
        Assert.Contains("delete", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RolesDifferingOnlyByCase_Throws()
    {
        var ex = Assert.Throws<FormatException>(() => Parse("""{ "roles": { "viewer": { "risk_levels": ["read"] }, "Viewer": { "risk_levels": ["write"] } } }"""));

        Assert.Contains("twice", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MisspelledToolRuleKey_ThrowsInsteadOfIgnoringTheRule()
    {
        var ex = Assert.Throws<FormatException>(() => Parse("""{ "tools": { "process_payment": { "deny_group": ["contractors"] } } }"""));

        Assert.Contains("deny_group", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tools.process_payment", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NonStringListItem_Throws()
    {
        var ex = Assert.Throws<FormatException>(() => Parse("""{ "tools": { "t": { "allow_roles": ["admin", 3] } } }"""));

        Assert.Contains("tools.t.allow_roles", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RootIsAnArray_Throws()
    {
        Assert.Throws<FormatException>(() => Parse("[]"));
    }

    [Fact]
    public void Parse_CommentsAndDescriptions_AreAccepted()
    {
        var data = Parse("""
            {
              // roles of the demo
              "roles": { "viewer": { "description": "reads", "risk_levels": ["read"] } },
              "tools": { "t": { "description": "no contractors", "deny_groups": ["contractors"] } }
            }
            """);

        Assert.True(data.Roles["viewer"].Allows(RiskLevel.Read));
        Assert.True(data.Tools["t"].DenyGroups.ContainsKey("contractors"));
        Assert.False(data.Tools["t"].DenyGroups.ContainsKey("Contractors"));
    }
}
