// Temporary: replaced by Validation/JsonSchemaValidator.cs (excluded automatically when that file exists).
#pragma warning disable CA1822
using System.Text.Json;

namespace Msil.Mcp.Validation;

internal sealed class JsonSchemaValidator
{
    public static JsonSchemaValidator Compile(JsonElement schema) => new();

    public bool Validate(JsonElement instance, List<SchemaViolation> violations, int maxViolations = 20) => violations is not null && instance.ValueKind != JsonValueKind.Undefined;
}

internal readonly record struct SchemaViolation(string Path, string Message);
