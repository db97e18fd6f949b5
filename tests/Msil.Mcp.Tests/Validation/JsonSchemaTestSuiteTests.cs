using System.Text.Json;
using Msil.Mcp.Validation;

namespace Msil.Mcp.Tests.Validation;

/// <summary>
/// Runs the official JSON Schema Test Suite (draft 2020-12, <c>../shared/json-schema-test-suite</c> next to the
/// repository root) against <see cref="JsonSchemaValidator"/>: one theory case per suite test. What is skipped, and
/// what is expected to be refused at compile time instead, is listed with its reason in
/// <see cref="JsonSchemaTestSuite.Skipped"/> and <see cref="JsonSchemaTestSuite.Refused"/>.
/// </summary>
public sealed class JsonSchemaTestSuiteTests
{
    public static TheoryData<string, string, string> Cases() => JsonSchemaTestSuite.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_SuiteCase_MatchesExpectedValidity(string file, string group, string description)
    {
        if (JsonSchemaTestSuite.SkipReason(file, group, description) is { } skip)
        {
            Assert.Skip(skip);
        }

        (JsonElement schema, JsonElement data, bool expected) = JsonSchemaTestSuite.Load(file, group, description);
        if (JsonSchemaTestSuite.RefusalReason(file, group) is { } refusal)
        {
            // The schema uses something the validator refuses rather than enforcing loosely: compiling must fail
            // with a message that names what was refused.
            var ex = Assert.Throws<ArgumentException>(() => JsonSchemaValidator.Compile(schema));
            Assert.Contains(refusal.Keyword, ex.Message, StringComparison.Ordinal);
            return;
        }

        JsonSchemaValidator validator = JsonSchemaValidator.Compile(schema);
        var violations = new List<SchemaViolation>();
        bool valid = validator.Validate(data, violations);

        Assert.True(
            expected == valid,
            $"expected {(expected ? "valid" : "invalid")}, got {(valid ? "valid" : "invalid")}: {string.Join("; ", violations)}");
        Assert.Equal(valid, violations.Count == 0);
    }

    [Fact]
    public void Cases_SuiteIsPresent_CoversEveryRequiredFile()
    {
        TheoryData<string, string, string> cases = JsonSchemaTestSuite.Cases();
        var files = cases.Select(c => (string)c.Data.Item1).Distinct(StringComparer.Ordinal).ToArray();

        Assert.Contains("unevaluatedProperties.json", files);
        Assert.Contains("ref.json", files);
        Assert.Contains("optional/format/email.json", files);
        Assert.True(cases.Count > 1500, $"only {cases.Count} cases were found");
    }

    [Fact]
    public void SkipList_EveryEntry_MatchesSomeCase()
    {
        // A stale skip (the suite renamed a case, or a fix made the skip unnecessary) must not hide anything.
        TheoryData<string, string, string> cases = JsonSchemaTestSuite.Cases();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in cases)
        {
            var (file, group, description) = ((string)row.Data.Item1, (string)row.Data.Item2, (string)row.Data.Item3);
            keys.Add(file);
            keys.Add(file + " | " + group);
            keys.Add(file + " | " + group + " | " + description);
        }

        Assert.DoesNotContain(JsonSchemaTestSuite.Skipped.Keys, k => !keys.Contains(k));
        Assert.DoesNotContain(JsonSchemaTestSuite.Refused.Keys, k => !keys.Contains(k));
    }
}
