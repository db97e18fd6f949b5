using System.Text.Json;

namespace Msil.Mcp.Validation;

/// <summary>
/// A JSON Schema (2020-12, plus the OpenAPI 3.0 dialect) compiled once into a tree of small nodes, used to check a
/// tool's arguments before anything else sees them.
/// </summary>
/// <remarks>
/// <para>
/// Compile once per tool version and reuse: a compiled validator is immutable and safe to use from many threads.
/// <see cref="Validate"/> allocates nothing when the instance is valid (rare exceptions: the <c>ipv6</c> format,
/// and escaped or very long property names under <c>patternProperties</c>); paths and messages are only built for
/// violations.
/// </para>
/// <para>
/// Every keyword of the 2020-12 core, applicator, unevaluated and validation vocabularies is enforced, or the schema
/// is refused by <see cref="Compile"/>: <c>$ref</c>/<c>$dynamicRef</c> to other documents, <c>$recursiveRef</c>
/// (2019-09), keyword values of the wrong shape, and patterns .NET cannot parse. Annotations and unknown keywords are
/// ignored; <c>format</c> is asserted for the formats <see cref="SchemaFormat"/> lists. Schemas with
/// <c>unevaluatedProperties</c>, <c>unevaluatedItems</c> or <c>propertyNames</c> allocate while validating.
/// Patterns use .NET's ECMAScript mode, which differs from ECMA-262 in corner cases (docs/architecture.md).
/// </para>
/// </remarks>
internal sealed class JsonSchemaValidator
{
    /// <summary>The most violations <see cref="Validate"/> reports unless told otherwise.</summary>
    public const int DefaultMaxViolations = 20;

    private readonly SchemaNode _root;

    private JsonSchemaValidator(SchemaNode root) => _root = root;

    /// <summary>Compiles a JSON schema into a validator.</summary>
    /// <param name="schema">
    /// The schema: a JSON object or a boolean. The validator keeps no reference to the document it came from.
    /// </param>
    /// <returns>The compiled validator.</returns>
    /// <exception cref="ArgumentException">
    /// The schema cannot be compiled, or would be enforced more loosely than written: it is not an object or a
    /// boolean, a <c>$ref</c> points nowhere or outside the document, a keyword's value has the wrong shape, a
    /// keyword is not supported, or a <c>pattern</c> is not a valid regular expression. The message names the
    /// keyword and its JSON pointer.
    /// </exception>
    public static JsonSchemaValidator Compile(JsonElement schema) => new(SchemaCompiler.Compile(schema));

    /// <summary>Validates an instance against the schema.</summary>
    /// <param name="instance">The value to check, normally a tool call's argument object.</param>
    /// <param name="violations">The list that violations are appended to; nothing is appended when valid.</param>
    /// <param name="maxViolations">The most violations to append; validation stops there. Defaults to 20.</param>
    /// <returns><see langword="true"/> when the instance conforms to the schema.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="violations"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxViolations"/> is less than 1.</exception>
    public bool Validate(JsonElement instance, List<SchemaViolation> violations, int maxViolations = DefaultMaxViolations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxViolations, 1);

        if (_root.AlwaysValid)
        {
            return true;
        }

        if (instance.ValueKind == JsonValueKind.Undefined)
        {
            violations.Add(new SchemaViolation(ValidationContext.RootPath, "is missing (no value was given)"));
            return false;
        }

        ValidationContext context = ValidationContext.Rent(violations, maxViolations);
        bool valid = _root.Evaluate(instance, context);
        ValidationContext.Return(context);
        return valid;
    }
}
