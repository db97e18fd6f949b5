using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa.Embedded;
using Msil.Mcp.Policy.Opa.Tests.Infrastructure;

namespace Msil.Mcp.Policy.Opa.Tests.Policies;

/// <summary>
/// The shared decision table (src/Msil.Mcp.Policy.Opa/policies/cases.json) through the embedded engine. The Rego unit
/// tests (policies/authz_test.rego) run the same file through the Rego policies, so both engines give the same answers.
/// </summary>
public sealed class PolicyCaseTableTests
{
    private static readonly string[] DemoUsers = ["alice", "bob", "carol", "pim-approver"];

    private static readonly Lazy<Dictionary<string, JsonElement>> Cases = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(RepoFiles.Policy("cases.json")));
        var cases = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var item in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var name = item.GetProperty("name").GetString()!;
            if (!cases.TryAdd(name, item.Clone()))
            {
                throw new InvalidOperationException($"cases.json has the case '{name}' twice.");
            }
        }

        return cases;
    });

    public static TheoryData<string> CaseNames => [.. Cases.Value.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decide_SharedCase_GivesTheTablesAllowAndReason(string name)
    {
        var c = Cases.Value[name];
        var request = RequestOf(c.GetProperty("input"));
        var expected = c.GetProperty("expected");

        var decision = EmbeddedPolicyDecisionPoint.Decide(DataOf(c), request);

        Assert.Equal(expected.GetProperty("allow").GetBoolean(), decision.Allow);
        Assert.Equal(expected.GetProperty("reason").GetString(), decision.Reason);
        Assert.Equal("embedded", decision.Engine);
        Assert.Matches("^dec_[0-9a-f]{16}$", decision.DecisionId);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decide_SharedCaseWithTheOtherAction_GivesTheSameAnswer(string name)
    {
        var c = Cases.Value[name];
        var request = RequestOf(c.GetProperty("input"));
        if (request.Tool.RequiredScopes.Count > 0)
        {
            // Scopes are checked on execute only (the table has a list case for them): nothing to compare here.
            return;
        }

        var other = request with { Action = request.Action == PolicyAction.List ? PolicyAction.Execute : PolicyAction.List };
        var data = DataOf(c);

        var first = EmbeddedPolicyDecisionPoint.Decide(data, request);
        var second = EmbeddedPolicyDecisionPoint.Decide(data, other);

        Assert.Equal(first.Allow, second.Allow);
        Assert.Equal(first.Reason, second.Reason);
    }

    [Fact]
    public void CaseTable_DemoUsers_HaveACaseAtEveryRiskLevelWithTheShippedData()
    {
        var covered = Cases.Value.Values
            .Where(c => !c.TryGetProperty("data", out _))
            .Select(c => c.GetProperty("input"))
            .Select(i => (User: i.GetProperty("user").GetProperty("id").GetString(), Risk: i.GetProperty("tool").GetProperty("risk_level").GetString()))
            .ToHashSet();

        var missing = DemoUsers.SelectMany(u => new[] { "read", "write", "privileged" }.Select(r => (User: (string?)u, Risk: (string?)r))).Where(k => !covered.Contains(k));

        Assert.Empty(missing);
    }

    [Fact]
    public void CaseTable_PimApprover_HasNoToolRightsAtAnyLevel()
    {
        var pim = Cases.Value.Values.Where(c => c.GetProperty("input").GetProperty("user").GetProperty("id").GetString() == "pim-approver").ToArray();

        Assert.Equal(3, pim.Select(c => c.GetProperty("input").GetProperty("tool").GetProperty("risk_level").GetString()).Distinct().Count());
        Assert.All(pim, c => Assert.False(c.GetProperty("expected").GetProperty("allow").GetBoolean()));
    }

    [Fact]
    public void ShippedData_PimApprover_IsARoleWithNoRiskLevels()
    {
        var data = PolicyData.Parse(File.ReadAllBytes(RepoFiles.Policy("data.json")), "data.json");

        var pim = data.Roles["pim-approver"];
        Assert.False(pim.Allows(RiskLevel.Read));
        Assert.False(pim.Allows(RiskLevel.Write));
        Assert.False(pim.Allows(RiskLevel.Privileged));
        Assert.Equal(["admin", "operator", "pim-approver", "viewer"], data.Roles.Values.Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    internal static PolicyRequest RequestOf(JsonElement input)
    {
        var user = input.GetProperty("user");
        var tool = input.GetProperty("tool");
        Assert.True(RiskLevels.TryParse(tool.GetProperty("risk_level").GetString(), out var risk));
        var caller = Requests.User(
            user.GetProperty("id").GetString()!,
            [.. user.GetProperty("roles").EnumerateArray().Select(e => e.GetString()!)],
            [.. user.GetProperty("groups").EnumerateArray().Select(e => e.GetString()!)],
            !user.TryGetProperty("authenticated", out var a) || a.GetBoolean()) with
        {
            Scopes = user.TryGetProperty("scopes", out var s) ? [.. s.EnumerateArray().Select(e => e.GetString()!)] : [],
        };
        var action = input.GetProperty("action").GetString() switch
        {
            "list" => PolicyAction.List,
            "execute" => PolicyAction.Execute,
            var other => throw new InvalidOperationException($"cases.json: action '{other}' is neither list nor execute."),
        };
        var definition = Requests.Tool(tool.GetProperty("name").GetString()!, risk, tool.GetProperty("version").GetString()!) with
        {
            RequiredScopes = tool.TryGetProperty("required_scopes", out var r) ? [.. r.EnumerateArray().Select(e => e.GetString()!)] : [],
        };
        if (tool.TryGetProperty("id", out var id))
        {
            definition = definition with { Id = id.GetString() };
        }

        return new PolicyRequest(caller, definition, action);
    }

    // The case's "data" replaces data.json's roles and/or tools, exactly as authz_test.rego does with `with data.… as …`.
    internal static PolicyData DataOf(JsonElement c)
    {
        using var shipped = JsonDocument.Parse(File.ReadAllBytes(RepoFiles.Policy("data.json")));
        var overrides = c.TryGetProperty("data", out var d) ? d : default;
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var part in new[] { "roles", "tools" })
            {
                w.WritePropertyName(part);
                (overrides.ValueKind == JsonValueKind.Object && overrides.TryGetProperty(part, out var o) ? o : shipped.RootElement.GetProperty(part)).WriteTo(w);
            }

            w.WriteEndObject();
        }

        return PolicyData.Parse(ms.ToArray(), "cases.json: " + c.GetProperty("name").GetString());
    }
}
