using System.Text.Json;
using System.Text.RegularExpressions;
using Msil.Mcp.Policy.Opa.Tests.Infrastructure;

namespace Msil.Mcp.Policy.Opa.Tests.Policies;

/// <summary>
/// What can be checked of the Rego policies without an OPA binary (the Rego unit tests run with `opa test policies/`
/// where OPA exists): the seed's layout, rego.v1 style, the decision document the OPA engine reads, and that the
/// reasons the case table expects are the reasons the policies can say.
/// </summary>
public sealed partial class RegoPolicyFilesTests
{
    [Fact]
    public void Policies_Folder_HasTheSeedsLayoutPlusTestsAndCases()
    {
        var files = Directory.GetFiles(RepoFiles.Policies).Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(["authz.rego", "authz_test.rego", "cases.json", "data.json", "rbac.rego", "tool_access.rego"], files);
    }

    [Theory]
    [InlineData("authz.rego", "msil.authz")]
    [InlineData("rbac.rego", "msil.rbac")]
    [InlineData("tool_access.rego", "msil.tool_access")]
    [InlineData("authz_test.rego", "msil.authz_test")]
    public void RegoFile_Header_DeclaresItsPackageAndImportsRegoV1(string file, string package)
    {
        var lines = RepoFiles.ReadText(RepoFiles.Policy(file)).Split('\n');

        Assert.Contains("package " + package, lines);
        Assert.Contains("import rego.v1", lines);
    }

    [Fact]
    public void AuthzRego_DecisionDocument_DefaultsToDenyAndHasAllowAndReason()
    {
        var lines = RepoFiles.ReadText(RepoFiles.Policy("authz.rego")).Split('\n');

        Assert.Contains("default allow := false", lines);
        Assert.Contains(lines, l => l.StartsWith("default reason := \"", StringComparison.Ordinal));
        Assert.Contains("allow := decision.allow", lines);
        Assert.Contains("reason := decision.reason", lines);
    }

    [Fact]
    public void CaseTable_EveryExpectedReason_IsAReasonTheRegoPoliciesCanSay()
    {
        var rego = string.Join('\n', new[] { "authz.rego", "rbac.rego", "tool_access.rego" }.Select(f => RepoFiles.ReadText(RepoFiles.Policy(f))));
        var patterns = ReasonLiteral().Matches(rego)
            .Select(m => m.Groups["text"].Value)
            .Where(t => t.Length > 0)
            .Select(t => new Regex("^" + Regex.Escape(t).Replace("%s", ".+", StringComparison.Ordinal).Replace("%v", ".+", StringComparison.Ordinal) + "$"))
            .ToArray();
        using var doc = JsonDocument.Parse(File.ReadAllBytes(RepoFiles.Policy("cases.json")));

        var unmatched = doc.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => c.GetProperty("expected").GetProperty("reason").GetString()!)
            .Where(reason => !patterns.Any(p => p.IsMatch(reason)))
            .ToArray();

        Assert.NotEmpty(patterns);
        Assert.Empty(unmatched);
    }

    // "reason": "literal" and sprintf("format", …) in the policies.
    [GeneratedRegex("(?:\"reason\": \"|sprintf\\(\")(?<text>[^\"]*)\"")]
    private static partial Regex ReasonLiteral();
}
