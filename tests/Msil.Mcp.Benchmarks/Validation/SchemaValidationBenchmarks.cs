using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Msil.Mcp.Validation;

namespace Msil.Mcp.Benchmarks.Validation;

/// <summary>A short run in process (no second build of the benchmark project on a busy machine).</summary>
public sealed class ValidationBenchmarkConfig : ManualConfig
{
    public ValidationBenchmarkConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
}

/// <summary>
/// Stage 3 of the governed call: a tool's arguments against its compiled input schema. <c>TypicalValid</c> is the hot
/// path (a 6-property object, 0 B expected); the others show what the rarer keywords cost.
/// </summary>
[Config(typeof(ValidationBenchmarkConfig))]
[MemoryDiagnoser]
public class SchemaValidationBenchmarks
{
    private const string LeadSchema = """
        {
          "type": "object",
          "properties": {
            "dealer_id": { "type": "integer", "minimum": 1 },
            "status": { "enum": ["pending", "contacted", "converted", "lost"] },
            "customer": {
              "type": "object",
              "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 100 },
                "email": { "type": "string", "format": "email" }
              },
              "required": ["name", "email"],
              "additionalProperties": false
            },
            "region": { "type": "string", "pattern": "^[A-Z]{3}$" },
            "score": { "type": "number", "minimum": 0, "maximum": 100 },
            "notes": { "type": ["string", "null"], "maxLength": 500 }
          },
          "required": ["dealer_id", "status", "customer"],
          "additionalProperties": false
        }
        """;

    private const string LeadArguments = """
        {
          "dealer_id": 42, "status": "contacted", "customer": { "name": "Asha Rao", "email": "asha@example.com" },
          "region": "BLR", "score": 87.5, "notes": null
        }
        """;

    // The same object checked with allOf + unevaluatedProperties: false (a composed schema closed at the top).
    private const string ComposedSchema = """
        {
          "allOf": [
            { "properties": { "dealer_id": { "type": "integer", "minimum": 1 }, "status": { "enum": ["pending", "contacted", "converted", "lost"] } }, "required": ["dealer_id", "status"] },
            { "properties": { "customer": { "type": "object", "required": ["name", "email"] }, "region": { "type": "string", "pattern": "^[A-Z]{3}$" } }, "required": ["customer"] }
          ],
          "properties": { "score": { "type": "number" }, "notes": { "type": ["string", "null"] } },
          "propertyNames": { "maxLength": 32 },
          "unevaluatedProperties": false
        }
        """;

    private readonly List<SchemaViolation> _violations = [];
    private JsonSchemaValidator _typical = null!;
    private JsonSchemaValidator _composed = null!;
    private JsonDocument _valid = null!;
    private JsonDocument _invalid = null!;

    [GlobalSetup]
    public void Setup()
    {
        using (JsonDocument schema = JsonDocument.Parse(LeadSchema))
        {
            _typical = JsonSchemaValidator.Compile(schema.RootElement);
        }

        using (JsonDocument schema = JsonDocument.Parse(ComposedSchema))
        {
            _composed = JsonSchemaValidator.Compile(schema.RootElement);
        }

        _valid = JsonDocument.Parse(LeadArguments);
        _invalid = JsonDocument.Parse("""
            { "dealer_id": 0, "status": "new", "customer": { "name": "", "email": "x", "extra": 1 }, "region": "blr", "score": 101, "notes": 5 }
            """);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _valid.Dispose();
        _invalid.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool TypicalValid() => _typical.Validate(_valid.RootElement, _violations);

    [Benchmark]
    public bool TypicalInvalid()
    {
        _violations.Clear();
        return _typical.Validate(_invalid.RootElement, _violations);
    }

    [Benchmark]
    public bool ComposedUnevaluatedValid() => _composed.Validate(_valid.RootElement, _violations);

    [Benchmark]
    public object CompileTypical()
    {
        using JsonDocument schema = JsonDocument.Parse(LeadSchema);
        return JsonSchemaValidator.Compile(schema.RootElement);
    }
}
