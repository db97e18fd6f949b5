using System.Text.Json;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Audit.Tests;

/// <summary>What an audit record keeps of a call's arguments: sensitive values go through the compliance redactors.</summary>
public sealed class AuditArgumentRedactorTests
{
    private const string Schema = """
        {"type":"object","$defs":{
           "contact":{"type":"object","properties":{"email":{"type":"string"},"label":{"type":"string"},
                      "next":{"$ref":"#/$defs/contact"}}}},
         "properties":{
           "dealer_id":{"type":"string"},
           "pin":{"type":"string","format":"password"},
           "note":{"type":"string","x-msil-classification":"secret"},
           "vin":{"type":"string","x-msil-classification":"personal"},
           "token_count":{"type":"integer","x-msil-classification":"public"},
           "odd":{"type":"string","x-msil-classification":"confidentail"},
           "owner":{"$ref":"#/$defs/contact"},
           "owners":{"type":"array","items":{"$ref":"#/$defs/contact"}},
           "vault":{"type":"object","x-msil-classification":"secret","properties":{"a":{"type":"string"}}}}}
        """;

    [Fact]
    public void Redact_ClassifiedBySchemaAndName_OnlySensitiveValuesChange()
    {
        var redactor = Create();

        var json = redactor.Redact(Tool(), Args("""
            {"dealer_id":"D-1","pin":"1234","note":"call me","vin":"MA3XYZ","token_count":7,"odd":"x",
             "password":"hunter2","apiKey":"k-1","customer_email":"a@b.example"}
            """));

        using var doc = JsonDocument.Parse(json!);
        var root = doc.RootElement;
        Assert.Equal("D-1", root.GetProperty("dealer_id").GetString());
        Assert.Equal("[redacted:secret]", root.GetProperty("pin").GetString());          // format: password
        Assert.Equal("[redacted:secret]", root.GetProperty("note").GetString());         // keyword secret
        Assert.Equal("[redacted:personal]", root.GetProperty("vin").GetString());        // keyword personal
        Assert.Equal(7, root.GetProperty("token_count").GetInt32());                     // public beats the "token" name rule
        Assert.Equal("[redacted:secret]", root.GetProperty("odd").GetString());          // unknown label: strictest
        Assert.Equal("[redacted:secret]", root.GetProperty("password").GetString());     // name rule, not in schema
        Assert.Equal("[redacted:secret]", root.GetProperty("apiKey").GetString());
        Assert.Equal("[redacted:personal]", root.GetProperty("customer_email").GetString());
        foreach (var secret in new[] { "1234", "call me", "MA3XYZ", "hunter2", "k-1", "a@b.example" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Redact_NestedRefsArraysAndCycles_FollowTheSchema()
    {
        var redactor = Create();

        var json = redactor.Redact(Tool(), Args("""
            {"owner":{"label":"fleet","email":"x@y.example","next":{"label":"l2","email":"z@y.example"}},
             "owners":[{"label":"o1","email":"p@q.example"}],
             "vault":{"a":"inner","b":2}}
            """));

        using var doc = JsonDocument.Parse(json!);
        var owner = doc.RootElement.GetProperty("owner");
        Assert.Equal("fleet", owner.GetProperty("label").GetString());
        Assert.Equal("[redacted:personal]", owner.GetProperty("email").GetString());
        Assert.Equal("[redacted:personal]", owner.GetProperty("next").GetProperty("email").GetString());
        Assert.Equal("l2", owner.GetProperty("next").GetProperty("label").GetString());
        Assert.Equal("[redacted:personal]", doc.RootElement.GetProperty("owners")[0].GetProperty("email").GetString());
        Assert.Equal("[redacted:secret]", doc.RootElement.GetProperty("vault").GetString());   // a secret object goes whole
        Assert.DoesNotContain("inner", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_SameArgumentsInAnyOrder_SameText()
    {
        var redactor = Create();

        var a = redactor.Redact(Tool(), Args("""{"dealer_id":"D-1","owner":{"label":"a","email":"e"}}"""));
        var b = redactor.Redact(Tool(), Args("""{"owner":{"email":"e","label":"a"},"dealer_id":"D-1"}"""));

        Assert.Equal(a, b);
        Assert.Equal("""{"dealer_id":"D-1","owner":{"email":"[redacted:personal]","label":"a"}}""", a);
    }

    [Fact]
    public void Redact_HostConfiguresARedactor_ItIsUsedForThatClassification()
    {
        var redactor = Create(configureRedaction: b => b.SetRedactor<ReverseRedactor>(new DataClassificationSet(MsilDataClassifications.Personal)));

        var json = redactor.Redact(Tool(), Args("""{"vin":"ABC","password":"p"}"""));

        Assert.Equal("""{"password":"[redacted:secret]","vin":"(CBA)"}""", json);
    }

    [Fact]
    public void Redact_HmacRedactorForPersonalData_SameValueSameTokenNeverThePlainValue()
    {
        var key = Convert.ToBase64String(Enumerable.Range(1, 64).Select(i => (byte)i).ToArray());
        var redactor = Create(configureRedaction: b => b.SetHmacRedactor(
            o =>
            {
                o.Key = key;
                o.KeyId = 7;
            },
            new DataClassificationSet(MsilDataClassifications.Personal)));

        static string Vin(string? json) => JsonDocument.Parse(json!).RootElement.GetProperty("vin").GetString()!;
        var first = Vin(redactor.Redact(Tool(), Args("""{"vin":"MA3XYZ"}""")));
        var again = Vin(redactor.Redact(Tool(), Args("""{"vin":"MA3XYZ"}""")));
        var other = Vin(redactor.Redact(Tool(), Args("""{"vin":"MA3XYW"}""")));

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.DoesNotContain("MA3XY", first, StringComparison.Ordinal);
        Assert.StartsWith("7:", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_ConfiguredNamesReplaceTheDefaults()
    {
        var redactor = Create(o =>
        {
            o.Redaction.SecretArgumentNames = ["engine_number"];
            o.Redaction.PersonalArgumentNames = [];
        });

        var json = redactor.Redact(Tool(), Args("""{"engineNumber":"E1","password":"still-visible","email":"e@x"}"""));

        Assert.Equal("""{"email":"e@x","engineNumber":"[redacted:secret]","password":"still-visible"}""", json);
    }

    [Fact]
    public void Redact_TooLarge_ReplacedByANoteNamingTheKey()
    {
        var redactor = Create(o => o.Redaction.MaxArgumentsBytes = 64);

        var json = redactor.Redact(Tool(), Args($$"""{"dealer_id":"{{new string('x', 200)}}"}"""));

        using var doc = JsonDocument.Parse(json!);
        Assert.Contains("Msil:Mcp:Audit:Redaction:MaxArgumentsBytes", doc.RootElement.GetProperty("_omitted").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("xxxx", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_RecordArgumentsOff_RecordsNone()
    {
        var redactor = Create(o => o.Redaction.RecordArguments = false);

        Assert.Null(redactor.Redact(Tool(), Args("""{"dealer_id":"D-1"}""")));
    }

    [Fact]
    public void Redact_SchemaWithoutProperties_NameRulesStillApply()
    {
        var redactor = Create();
        var tool = Tool() with { InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone() };

        var json = redactor.Redact(tool, Args("""{"client_secret":"s","n":[1,2]}"""));

        Assert.Equal("""{"client_secret":"[redacted:secret]","n":[1,2]}""", json);
    }

    [Fact]
    public void Validator_EmptyNameFragment_FailsNamingTheKey()
    {
        var options = new AuditOptions();
        options.Redaction.SecretArgumentNames = ["password", " _ "];

        var result = new AuditOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Audit:Redaction:SecretArgumentNames", result.FailureMessage, StringComparison.Ordinal);
    }

    private static AuditArgumentRedactor Create(Action<AuditOptions>? configure = null, Action<IRedactionBuilder>? configureRedaction = null)
    {
        var services = new ServiceCollection();
        if (configureRedaction is null)
        {
            services.AddRedaction();
        }
        else
        {
            services.AddRedaction(configureRedaction);
        }

        var options = new AuditOptions();
        configure?.Invoke(options);
        var provider = services.BuildServiceProvider();
        return new AuditArgumentRedactor(provider.GetRequiredService<IRedactorProvider>(), Options.Create(options));
    }

    private static ToolDefinition Tool() => new()
    {
        Name = "update_dealer",
        Description = "Updates a dealer.",
        RiskLevel = RiskLevel.Write,
        InputSchema = JsonDocument.Parse(Schema).RootElement.Clone(),
        Executor = "test",
        Source = "test",
        ContentHash = "h",
    };

    private static Dictionary<string, JsonElement> Args(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }

    /// <summary>A stand-in for an HMAC redactor: visibly transformed, never the original.</summary>
    private sealed class ReverseRedactor : Redactor
    {
        public override int GetRedactedLength(ReadOnlySpan<char> input) => input.Length + 2;

        public override int Redact(ReadOnlySpan<char> source, Span<char> destination)
        {
            destination[0] = '(';
            for (var i = 0; i < source.Length; i++)
            {
                destination[i + 1] = source[source.Length - 1 - i];
            }

            destination[source.Length + 1] = ')';
            return source.Length + 2;
        }
    }
}
