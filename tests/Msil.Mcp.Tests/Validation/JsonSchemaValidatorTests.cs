using System.Text;
using System.Text.Json;
using Msil.Mcp.Validation;

namespace Msil.Mcp.Tests.Validation;

public sealed class JsonSchemaValidatorTests
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
          "dealer_id": 42,
          "status": "contacted",
          "customer": { "name": "Asha Rao", "email": "asha@example.com" },
          "region": "BLR",
          "score": 87.5,
          "notes": null
        }
        """;

    private const string TreeSchema = """
        {
          "$defs": {
            "node": {
              "type": "object",
              "properties": {
                "value": { "type": "integer" },
                "children": { "type": "array", "items": { "$ref": "#/$defs/node" } }
              },
              "required": ["value"],
              "additionalProperties": false
            }
          },
          "$ref": "#/$defs/node"
        }
        """;

    // ---- type -------------------------------------------------------------------------------------------------

    [Fact]
    public void Validate_MatchingTypes_ReturnsTrue() =>
        AssertValid(LeadSchema, LeadArguments);

    [Fact]
    public void Validate_StringForInteger_ReportsExpectedAndActualType() =>
        AssertSingle(
            """{ "properties": { "dealer_id": { "type": "integer" } } }""",
            """{ "dealer_id": "42" }""",
            "dealer_id",
            "must be an integer, but is a string");

    [Theory]
    [InlineData("1")]
    [InlineData("1.0")]
    [InlineData("1e2")]
    [InlineData("-0")]
    [InlineData("100e-2")]
    public void Validate_IntegerValuedNumber_IsAnInteger(string instance) =>
        AssertValid("""{ "type": "integer" }""", instance);

    [Theory]
    [InlineData("1.5")]
    [InlineData("1e-30")]
    [InlineData("0.1")]
    public void Validate_FractionalNumberForInteger_ReportsNumber(string instance) =>
        AssertSingle("""{ "type": "integer" }""", instance, "(arguments)", "must be an integer, but is a number");

    [Fact]
    public void Validate_RootOfWrongType_ReportsArgumentsPath() =>
        AssertSingle("""{ "type": "object" }""", "[1, 2]", "(arguments)", "must be an object, but is an array");

    [Theory]
    [InlineData("\"text\"")]
    [InlineData("null")]
    public void Validate_TypeArrayWithNull_AcceptsEither(string instance) =>
        AssertValid("""{ "type": ["string", "null"] }""", instance);

    [Fact]
    public void Validate_TypeArrayWithNull_ListsAllowedTypes() =>
        AssertSingle("""{ "type": ["string", "null"] }""", "5", "(arguments)", "must be a string or null, but is an integer");

    [Fact]
    public void Validate_BooleanAndObjectTypes_DescribeBoth() =>
        AssertSingle(
            """{ "type": ["object", "boolean", "integer"] }""",
            "\"x\"",
            "(arguments)",
            "must be an object, an integer or a boolean, but is a string");

    [Theory]
    [InlineData("null")]
    [InlineData("\"ok\"")]
    public void Validate_OpenApiNullable_AcceptsNull(string instance) =>
        AssertValid("""{ "type": "string", "nullable": true, "enum": ["ok"] }""", instance);

    [Fact]
    public void Validate_OpenApiNullable_StillChecksOtherValues() =>
        AssertSingle("""{ "type": "string", "nullable": true }""", "5", "(arguments)", "must be a string or null, but is an integer");

    [Fact]
    public void Validate_NullWithoutNullable_IsRejected() =>
        AssertSingle("""{ "type": "string" }""", "null", "(arguments)", "must be a string, but is null");

    // ---- enum / const -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("\"pending\"")]
    [InlineData("\"\\u0070ending\"")]
    public void Validate_EnumMember_ReturnsTrue(string instance) =>
        AssertValid("""{ "enum": ["pending", "contacted", "converted", "lost"] }""", instance);

    [Fact]
    public void Validate_NotAnEnumMember_ListsAllowedValues() =>
        AssertSingle(
            """{ "properties": { "status": { "enum": ["pending", "contacted", "converted", "lost"] } } }""",
            """{ "status": "done" }""",
            "status",
            "must be one of: pending, contacted, converted, lost");

    [Theory]
    [InlineData("\"KA\"", true)]
    [InlineData("\"TN\"", true)]
    [InlineData("\"\\u004bA\"", true)]
    [InlineData("\"XX\"", false)]
    [InlineData("\"ka\"", false)]
    public void Validate_LargeStringEnum_UsesSetLookup(string instance, bool expected)
    {
        const string schema = """{ "enum": ["AP", "KA", "KL", "TN", "TS", "MH", "GJ", "RJ", "UP", "WB", "DL", "PB"] }""";
        List<SchemaViolation> violations = Validate(schema, instance);
        Assert.Equal(expected, violations.Count == 0);
    }

    [Theory]
    [InlineData("2", true)]
    [InlineData("2.0", true)]
    [InlineData("null", true)]
    [InlineData("{\"b\":2,\"a\":1}", true)]
    [InlineData("4", false)]
    [InlineData("\"2\"", false)]
    public void Validate_MixedEnum_ComparesJsonValues(string instance, bool expected)
    {
        List<SchemaViolation> violations = Validate("""{ "enum": [1, 2, null, { "a": 1, "b": 2 }] }""", instance);
        Assert.Equal(expected, violations.Count == 0);
    }

    [Fact]
    public void Validate_MixedEnumMismatch_ShowsValuesAsJson() =>
        AssertSingle("""{ "enum": [1, "two", null] }""", "3", "(arguments)", "must be one of: 1, two, null");

    [Fact]
    public void Validate_ConstMatch_ReturnsTrue() =>
        AssertValid("""{ "const": "v1" }""", "\"v1\"");

    [Fact]
    public void Validate_ConstMismatch_ShowsExpectedValue() =>
        AssertSingle("""{ "properties": { "version": { "const": "v1" } } }""", """{ "version": "v2" }""", "version", "must be \"v1\"");

    [Fact]
    public void Validate_ConstObjectMismatch_ShowsJson() =>
        AssertSingle("""{ "const": { "a": 1 } }""", """{ "a": 2 }""", "(arguments)", "must be {\"a\":1}");

    // ---- objects ----------------------------------------------------------------------------------------------

    [Fact]
    public void Validate_MissingRequiredNestedProperty_ReportsItsPath() =>
        AssertSingle(
            LeadSchema,
            """{ "dealer_id": 1, "status": "lost", "customer": { "name": "A" } }""",
            "customer.email",
            "is required");

    [Fact]
    public void Validate_UnknownPropertyWhenAdditionalPropertiesFalse_ReportsIt() =>
        AssertSingle(
            LeadSchema,
            """{ "dealer_id": 1, "status": "lost", "customer": { "name": "A", "email": "a@b.co", "phone": "1" } }""",
            "customer.phone",
            "is not allowed (unknown property)");

    [Fact]
    public void Validate_AdditionalPropertiesSchema_AppliesToUnknownProperties()
    {
        const string schema = """{ "properties": { "tags": { "type": "object", "additionalProperties": { "type": "integer" } } } }""";
        AssertValid(schema, """{ "tags": { "a": 1, "b": 2 } }""");
        AssertSingle(schema, """{ "tags": { "a": 1, "b": "x" } }""", "tags.b", "must be an integer, but is a string");
    }

    [Fact]
    public void Validate_PatternProperties_AppliesToMatchingNames()
    {
        const string schema = """
            { "patternProperties": { "^x-": { "type": "string" } }, "properties": { "id": {} }, "additionalProperties": false }
            """;
        AssertValid(schema, """{ "id": 1, "x-a": "s", "x-b": "t" }""");
        List<SchemaViolation> violations = Validate(schema, """{ "id": 1, "x-a": 5, "y": true }""");
        Assert.Equal(
            ["x-a: must be a string, but is an integer", "y: is not allowed (unknown property)"],
            violations.Select(v => v.ToString()));
    }

    [Fact]
    public void Validate_PropertiesAndMatchingPattern_BothApply() =>
        AssertSingle(
            """{ "properties": { "x-id": { "type": "string" } }, "patternProperties": { "^x-": { "minLength": 3 } } }""",
            """{ "x-id": "ab" }""",
            "x-id",
            "must have at least 3 character(s)");

    [Fact]
    public void Validate_MinProperties_ReportsCount()
    {
        const string schema = """{ "minProperties": 2, "maxProperties": 3 }""";
        AssertValid(schema, """{ "a": 1, "b": 2 }""");
        AssertSingle(schema, """{ "a": 1 }""", "(arguments)", "must have at least 2 properties");
        AssertSingle(schema, """{ "a": 1, "b": 2, "c": 3, "d": 4 }""", "(arguments)", "must have at most 3 properties");
    }

    [Fact]
    public void Validate_MaxPropertiesOne_UsesSingular() =>
        AssertSingle("""{ "maxProperties": 1 }""", """{ "a": 1, "b": 2 }""", "(arguments)", "must have at most 1 property");

    [Fact]
    public void Validate_EscapedPropertyName_MatchesSchemaName() =>
        AssertSingle(
            """{ "properties": { "dealer_id": { "type": "integer" } }, "additionalProperties": false }""",
            """{ "dealer\u005fid": "x" }""",
            "dealer_id",
            "must be an integer, but is a string");

    [Fact]
    public void Validate_PropertyNameWithDot_IsQuotedInPath() =>
        AssertSingle(
            """{ "properties": { "customer": { "properties": { "first.name": { "type": "string" } } } } }""",
            """{ "customer": { "first.name": 1 } }""",
            "customer[\"first.name\"]",
            "must be a string, but is an integer");

    [Fact]
    public void Validate_ManyProperties_UsesLookupAndFindsEachOne()
    {
        var properties = new StringBuilder();
        var instance = new StringBuilder();
        for (int i = 0; i < 12; i++)
        {
            properties.Append(i == 0 ? string.Empty : ",").Append($"\"p{i}\": {{ \"type\": \"integer\" }}");
            instance.Append(i == 0 ? string.Empty : ",").Append($"\"p{i}\": {(i == 7 ? "\"x\"" : i.ToString())}");
        }

        string schema = $$"""{ "properties": { {{properties}} }, "required": ["p11"], "additionalProperties": false }""";
        AssertSingle(schema, $"{{ {instance} }}", "p7", "must be an integer, but is a string");
        AssertSingle(schema, """{ "p1": 1 }""", "p11", "is required");
        AssertSingle(schema, """{ "p11": 1, "q": 1 }""", "q", "is not allowed (unknown property)");
    }

    [Fact]
    public void Validate_DependentRequired_RequiresCompanion()
    {
        const string schema = """{ "dependentRequired": { "card": ["expiry"] } }""";
        AssertValid(schema, """{ "card": "4111", "expiry": "12/30" }""");
        AssertValid(schema, """{ "other": 1 }""");
        AssertSingle(schema, """{ "card": "4111" }""", "expiry", "is required when card is present");
    }

    [Fact]
    public void Validate_DependentSchemas_AppliesWhenPropertyPresent() =>
        AssertSingle(
            """{ "dependentSchemas": { "card": { "required": ["cvv"] } } }""",
            """{ "card": "4111" }""",
            "cvv",
            "is required");

    // ---- arrays -----------------------------------------------------------------------------------------------

    [Fact]
    public void Validate_ObjectInArrayInObject_ReportsFullPath() =>
        AssertSingle(
            """
            {
              "properties": {
                "order": {
                  "properties": {
                    "items": { "type": "array", "items": { "properties": { "quantity": { "type": "integer", "minimum": 1 } } } }
                  }
                }
              }
            }
            """,
            """{ "order": { "items": [ { "quantity": 2 }, { "quantity": 3 }, { "quantity": 0 } ] } }""",
            "order.items[2].quantity",
            "must be at least 1");

    [Fact]
    public void Validate_ItemsSchema_ChecksEveryItem()
    {
        List<SchemaViolation> violations = Validate("""{ "items": { "type": "integer" } }""", """[1, "a", 3, true]""");
        Assert.Equal(
            ["[1]: must be an integer, but is a string", "[3]: must be an integer, but is a boolean"],
            violations.Select(v => v.ToString()));
    }

    [Fact]
    public void Validate_PrefixItemsWithItemsFalse_LimitsLength()
    {
        const string schema = """{ "prefixItems": [ { "type": "string" }, { "type": "integer" } ], "items": false }""";
        AssertValid(schema, """["a", 1]""");
        AssertValid(schema, """["a"]""");
        AssertSingle(schema, """["a", "b"]""", "[1]", "must be an integer, but is a string");
        AssertSingle(schema, """["a", 1, true]""", "(arguments)", "must have at most 2 items");
    }

    [Fact]
    public void Validate_PrefixItemsWithItemsSchema_AppliesItemsToTheRest() =>
        AssertSingle(
            """{ "prefixItems": [ { "type": "string" } ], "items": { "type": "integer" } }""",
            """["a", 1, "b"]""",
            "[2]",
            "must be an integer, but is a string");

    [Fact]
    public void Validate_Draft4TupleItems_ActsAsPrefixItems()
    {
        const string schema = """{ "items": [ { "type": "string" } ], "additionalItems": false }""";
        AssertValid(schema, """["a"]""");
        AssertSingle(schema, """["a", 2]""", "(arguments)", "must have at most 1 item");
    }

    [Fact]
    public void Validate_MinAndMaxItems_ReportBounds()
    {
        const string schema = """{ "minItems": 1, "maxItems": 2 }""";
        AssertValid(schema, "[1]");
        AssertSingle(schema, "[]", "(arguments)", "must have at least 1 item(s)");
        AssertSingle(schema, "[1, 2, 3]", "(arguments)", "must have at most 2 item(s)");
    }

    [Fact]
    public void Validate_UniqueItems_ReportsFirstDuplicate()
    {
        const string schema = """{ "uniqueItems": true }""";
        AssertValid(schema, """[1, 2, "1", { "a": 1 }, { "a": 2 }]""");
        AssertSingle(schema, "[1, 2, 1.0]", "(arguments)", "must contain unique items, but item [2] repeats item [0]");
        AssertSingle(
            schema,
            """[{ "a": 1, "b": 2 }, { "b": 2, "a": 1 }]""",
            "(arguments)",
            "must contain unique items, but item [1] repeats item [0]");
    }

    [Fact]
    public void Validate_Contains_CountsMatchingItems()
    {
        const string schema = """{ "contains": { "const": "admin" }, "maxContains": 1 }""";
        AssertValid(schema, """["user", "admin"]""");
        AssertSingle(schema, """["user"]""", "(arguments)", "must contain at least 1 matching item(s)");
        AssertSingle(schema, """["admin", "admin"]""", "(arguments)", "must contain at most 1 matching item(s)");
    }

    // ---- strings ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("\"a\"")]
    [InlineData("\"😀😀\"")]
    [InlineData("\"\\ud83d\\ude00\\u00e9\"")]
    [InlineData("\"é\"")]
    public void Validate_LengthInCodePoints_Valid(string instance) =>
        AssertValid("""{ "minLength": 1, "maxLength": 2 }""", instance);

    [Theory]
    [InlineData("\"😀😀😀\"")]
    [InlineData("\"abc\"")]
    [InlineData("\"a\\u00e9\\ud83d\\ude00\"")]
    public void Validate_TooManyCodePoints_ReportsMaxLength(string instance) =>
        AssertSingle("""{ "maxLength": 2 }""", instance, "(arguments)", "must have at most 2 character(s)");

    [Fact]
    public void Validate_EmptyString_ReportsMinLength() =>
        AssertSingle(
            """{ "properties": { "name": { "type": "string", "minLength": 1 } } }""",
            """{ "name": "" }""",
            "name",
            "must have at least 1 character(s)");

    [Theory]
    [InlineData("\"BLR\"")]
    [InlineData("\"\\u0042LR\"")]
    public void Validate_PatternMatch_ReturnsTrue(string instance) =>
        AssertValid("""{ "pattern": "^[A-Z]{3}$" }""", instance);

    [Fact]
    public void Validate_PatternMismatch_ShowsPattern() =>
        AssertSingle(
            LeadSchema,
            """{ "dealer_id": 1, "status": "lost", "customer": { "name": "A", "email": "a@b.co" }, "region": "blr" }""",
            "region",
            "must match pattern ^[A-Z]{3}$");

    [Fact]
    public void Validate_PatternIsNotAnchored_SearchesAnywhere() =>
        AssertValid("""{ "pattern": "[0-9]+" }""", "\"abc123def\"");

    [Fact]
    public void Validate_PatternOnLongString_UsesPooledBuffer()
    {
        string longValid = new('A', 1000);
        AssertValid("""{ "pattern": "^A+$" }""", $"\"{longValid}\"");
        AssertSingle("""{ "pattern": "^A+$" }""", $"\"{longValid}b\"", "(arguments)", "must match pattern ^A+$");
    }

    [Fact]
    public void Validate_CatastrophicPattern_ReportsTimeoutAsViolation()
    {
        string input = new string('a', 40) + "!";
        AssertSingle(
            """{ "pattern": "^(a|aa)+$" }""",
            $"\"{input}\"",
            "(arguments)",
            "could not be checked against pattern ^(a|aa)+$ in time");
    }

    [Theory]
    [InlineData("date-time", "\"2025-01-31T09:30:00Z\"", true)]
    [InlineData("date-time", "\"2025-01-31t09:30:00.123+05:30\"", true)]
    [InlineData("date-time", "\"2024-02-29T23:59:60-01:00\"", true)]
    [InlineData("date-time", "\"2025-01-31T09:30:00\"", false)]
    [InlineData("date-time", "\"2025-01-31 09:30:00Z\"", false)]
    [InlineData("date-time", "\"2025-02-30T09:30:00Z\"", false)]
    [InlineData("date", "\"2024-02-29\"", true)]
    [InlineData("date", "\"2023-02-29\"", false)]
    [InlineData("date", "\"2025-1-31\"", false)]
    [InlineData("date", "\"31/01/2025\"", false)]
    [InlineData("time", "\"09:30:00\"", true)]
    [InlineData("time", "\"09:30:00.5Z\"", true)]
    [InlineData("time", "\"09:30:00+05:30\"", true)]
    [InlineData("time", "\"24:00:00\"", false)]
    [InlineData("time", "\"9:30\"", false)]
    [InlineData("uuid", "\"123e4567-e89b-12d3-a456-426614174000\"", true)]
    [InlineData("uuid", "\"123e4567e89b12d3a456426614174000\"", false)]
    [InlineData("uuid", "\"{123e4567-e89b-12d3-a456-426614174000}\"", false)]
    [InlineData("email", "\"asha.rao+leads@example.co.in\"", true)]
    [InlineData("email", "\"ops@localhost\"", true)]
    [InlineData("email", "\"asha.example.com\"", false)]
    [InlineData("email", "\"asha @example.com\"", false)]
    [InlineData("email", "\"asha@\"", false)]
    [InlineData("email", "\"a@b..com\"", false)]
    [InlineData("uri", "\"https://example.com/a?b=c#d\"", true)]
    [InlineData("uri", "\"urn:isbn:0451450523\"", true)]
    [InlineData("uri", "\"/relative/path\"", false)]
    [InlineData("uri", "\"https://exa mple.com\"", false)]
    [InlineData("uri", "\"https://example.com/%zz\"", false)]
    [InlineData("ipv4", "\"192.168.0.1\"", true)]
    [InlineData("ipv4", "\"0.0.0.0\"", true)]
    [InlineData("ipv4", "\"256.1.1.1\"", false)]
    [InlineData("ipv4", "\"01.1.1.1\"", false)]
    [InlineData("ipv4", "\"1.1.1\"", false)]
    [InlineData("ipv6", "\"2001:db8::1\"", true)]
    [InlineData("ipv6", "\"::1\"", true)]
    [InlineData("ipv6", "\"::ffff:192.168.0.1\"", true)]
    [InlineData("ipv6", "\"192.168.0.1\"", false)]
    [InlineData("ipv6", "\"2001:db8::g\"", false)]
    [InlineData("ipv6", "\"fe80::1%eth0\"", false)]
    [InlineData("made-up-format", "\"anything\"", true)]
    public void Validate_Format_ChecksValue(string format, string instance, bool expected)
    {
        List<SchemaViolation> violations = Validate($$"""{ "type": "string", "format": "{{format}}" }""", instance);
        Assert.Equal(expected, violations.Count == 0);
        if (!expected)
        {
            Assert.StartsWith("must be a", Assert.Single(violations).Message);
        }
    }

    [Fact]
    public void Validate_FormatViolation_SaysWhatIsExpected() =>
        AssertSingle(
            """{ "properties": { "due": { "type": "string", "format": "date" } } }""",
            """{ "due": "tomorrow" }""",
            "due",
            "must be a date in YYYY-MM-DD format, e.g. 2025-01-31");

    [Fact]
    public void Validate_FormatOnNonString_IsIgnored() =>
        AssertValid("""{ "format": "date" }""", "42");

    // ---- numbers ----------------------------------------------------------------------------------------------

    [Fact]
    public void Validate_MinimumAndMaximum_AreInclusive()
    {
        const string schema = """{ "properties": { "limit": { "minimum": 1, "maximum": 100 } } }""";
        AssertValid(schema, """{ "limit": 1 }""");
        AssertValid(schema, """{ "limit": 100.0 }""");
        AssertSingle(schema, """{ "limit": 0.999 }""", "limit", "must be at least 1");
        AssertSingle(schema, """{ "limit": 101 }""", "limit", "must be at most 100");
        AssertSingle(schema, """{ "limit": 1e400 }""", "limit", "must be at most 100");
    }

    [Fact]
    public void Validate_NumericExclusiveBounds_AreExclusive()
    {
        const string schema = """{ "exclusiveMinimum": 0, "exclusiveMaximum": 10 }""";
        AssertValid(schema, "0.0001");
        AssertValid(schema, "9.999");
        AssertSingle(schema, "0", "(arguments)", "must be greater than 0");
        AssertSingle(schema, "10", "(arguments)", "must be less than 10");
        AssertValid(schema, "1e-30");
    }

    [Fact]
    public void Validate_OpenApiBooleanExclusiveBounds_ApplyToMinimumAndMaximum()
    {
        const string schema = """{ "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "exclusiveMaximum": true }""";
        AssertValid(schema, "0.5");
        AssertSingle(schema, "0", "(arguments)", "must be greater than 0");
        AssertSingle(schema, "1", "(arguments)", "must be less than 1");
    }

    [Fact]
    public void Validate_OpenApiBooleanExclusiveFalse_KeepsInclusiveBound()
    {
        const string schema = """{ "minimum": 0, "exclusiveMinimum": false }""";
        AssertValid(schema, "0");
        AssertSingle(schema, "-1", "(arguments)", "must be at least 0");
    }

    [Fact]
    public void Validate_MultipleOfDecimal_IsExact()
    {
        const string schema = """{ "multipleOf": 0.01 }""";
        AssertValid(schema, "10.25");
        AssertValid(schema, "19.99");
        AssertValid(schema, "0");
        AssertSingle(schema, "10.255", "(arguments)", "must be a multiple of 0.01");
    }

    [Fact]
    public void Validate_MultipleOfInteger_RejectsOthers()
    {
        AssertValid("""{ "multipleOf": 5 }""", "-15");
        AssertSingle("""{ "multipleOf": 5 }""", "7", "(arguments)", "must be a multiple of 5");
    }

    [Fact]
    public void Validate_Int32Format_ChecksRange()
    {
        const string schema = """{ "type": "integer", "format": "int32" }""";
        AssertValid(schema, "2147483647");
        AssertSingle(schema, "3000000000", "(arguments)", "must be a 32-bit integer (-2147483648 to 2147483647)");
    }

    // ---- applicators ------------------------------------------------------------------------------------------

    [Fact]
    public void Validate_AllOf_AppliesEverySchema()
    {
        const string schema = """{ "allOf": [ { "type": "string" }, { "minLength": 2 }, { "maxLength": 3 } ] }""";
        AssertValid(schema, "\"ab\"");
        AssertSingle(schema, "\"a\"", "(arguments)", "must have at least 2 character(s)");
    }

    [Fact]
    public void Validate_AnyOf_PassesWhenOneBranchMatches() =>
        AssertValid("""{ "anyOf": [ { "type": "integer" }, { "type": "string", "minLength": 2 } ] }""", "\"ab\"");

    [Fact]
    public void Validate_AnyOfNoMatch_ReportsSummaryAndBestBranch()
    {
        const string schema = """
            { "properties": { "contact": { "anyOf": [
                { "type": "string", "format": "email" },
                { "type": "object", "properties": { "phone": { "type": "string" } }, "required": ["phone"] }
            ] } } }
            """;
        List<SchemaViolation> violations = Validate(schema, """{ "contact": { "fax": "1" } }""");
        Assert.Equal(
            ["contact: must match at least one of the allowed shapes", "contact.phone: is required"],
            violations.Select(v => v.ToString()));
    }

    [Fact]
    public void Validate_OneOfOfRefs_ExplainsTheBranchOfTheRightType()
    {
        const string schema = """
            {
              "components": { "schemas": {
                "Code": { "type": "string", "pattern": "^[A-Z]{3}$" },
                "Point": { "type": "object", "properties": { "lat": { "type": "number" } }, "required": ["lat"] }
              } },
              "properties": { "where": { "oneOf": [ { "$ref": "#/components/schemas/Code" }, { "$ref": "#/components/schemas/Point" } ] } }
            }
            """;
        AssertValid(schema, """{ "where": "BLR" }""");
        AssertValid(schema, """{ "where": { "lat": 12.9 } }""");
        List<SchemaViolation> violations = Validate(schema, """{ "where": { "lat": "north" } }""");
        Assert.Equal(
            ["where: must match exactly one of the allowed shapes", "where.lat: must be a number, but is a string"],
            violations.Select(v => v.ToString()));
    }

    [Fact]
    public void Validate_AnyOfWithNullBranch_ActsAsNullable()
    {
        const string schema = """{ "anyOf": [ { "type": "string", "maxLength": 3 }, { "type": "null" } ] }""";
        AssertValid(schema, "null");
        AssertValid(schema, "\"abc\"");
        List<SchemaViolation> violations = Validate(schema, "\"abcd\"");
        Assert.Equal(
            ["(arguments): must match at least one of the allowed shapes", "(arguments): must have at most 3 character(s)"],
            violations.Select(v => v.ToString()));
    }

    [Fact]
    public void Validate_OneOf_RequiresExactlyOneMatch()
    {
        const string schema = """{ "oneOf": [ { "type": "integer" }, { "minimum": 10 } ] }""";
        AssertValid(schema, "5");
        AssertValid(schema, "10.5");
        AssertSingle(schema, "12", "(arguments)", "must match exactly one of the allowed shapes, but matches more than one");
        Assert.Equal(
            "must match exactly one of the allowed shapes",
            Validate(schema, "9.5")[0].Message);
    }

    [Fact]
    public void Validate_Not_RejectsMatchingInstance()
    {
        const string schema = """{ "not": { "const": "root" } }""";
        AssertValid(schema, "\"admin\"");
        AssertSingle(schema, "\"root\"", "(arguments)", "must not match the disallowed shape");
    }

    [Fact]
    public void Validate_IfThenElse_PicksBranch()
    {
        const string schema = """
            {
              "if": { "properties": { "kind": { "const": "company" } }, "required": ["kind"] },
              "then": { "required": ["gstin"] },
              "else": { "required": ["pan"] }
            }
            """;
        AssertValid(schema, """{ "kind": "company", "gstin": "29ABCDE1234F1Z5" }""");
        AssertValid(schema, """{ "kind": "person", "pan": "ABCDE1234F" }""");
        AssertSingle(schema, """{ "kind": "company", "pan": "x" }""", "gstin", "is required");
        AssertSingle(schema, """{ "kind": "person" }""", "pan", "is required");
    }

    // ---- boolean schemas --------------------------------------------------------------------------------------

    [Fact]
    public void Validate_TrueSchema_AcceptsAnything()
    {
        AssertValid("true", """{ "anything": [1, 2, 3] }""");
        AssertValid("{}", "null");
    }

    [Fact]
    public void Validate_FalseSchema_RejectsEverything() =>
        AssertSingle("false", "{}", "(arguments)", "is not allowed");

    [Fact]
    public void Validate_FalsePropertySchema_RejectsThatProperty() =>
        AssertSingle("""{ "properties": { "secret": false } }""", """{ "secret": 1, "ok": 2 }""", "secret", "is not allowed");

    // ---- $ref -------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("""{ "$defs": { "id": { "type": "integer" } }, "properties": { "a": { "$ref": "#/$defs/id" } } }""")]
    [InlineData("""{ "definitions": { "id": { "type": "integer" } }, "properties": { "a": { "$ref": "#/definitions/id" } } }""")]
    [InlineData("""{ "components": { "schemas": { "Id": { "type": "integer" } } }, "properties": { "a": { "$ref": "#/components/schemas/Id" } } }""")]
    [InlineData("""{ "$defs": { "a/b~c": { "type": "integer" } }, "properties": { "a": { "$ref": "#/$defs/a~1b~0c" } } }""")]
    [InlineData("""{ "$defs": { "with space": { "type": "integer" } }, "properties": { "a": { "$ref": "#/$defs/with%20space" } } }""")]
    [InlineData("""{ "$id": "https://example.com/lead", "$defs": { "id": { "type": "integer" } }, "properties": { "a": { "$ref": "https://example.com/lead#/$defs/id" } } }""")]
    [InlineData("""{ "properties": { "a": { "$ref": "#/properties/b" }, "b": { "type": "integer" } } }""")]
    public void Validate_RefWithinDocument_Resolves(string schema)
    {
        AssertValid(schema, """{ "a": 1 }""");
        AssertSingle(schema, """{ "a": "x" }""", "a", "must be an integer, but is a string");
    }

    [Fact]
    public void Validate_RefWithSiblingKeywords_AppliesBoth()
    {
        const string schema = """{ "$defs": { "s": { "type": "string" } }, "$ref": "#/$defs/s", "maxLength": 2 }""";
        AssertValid(schema, "\"ab\"");
        AssertSingle(schema, "\"abc\"", "(arguments)", "must have at most 2 character(s)");
        AssertSingle(schema, "1", "(arguments)", "must be a string, but is an integer");
    }

    [Fact]
    public void Validate_RecursiveTreeValidDeep_ReturnsTrue() =>
        AssertValid(TreeSchema, BuildTree(depth: 20, badLeaf: false));

    [Fact]
    public void Validate_RecursiveTreeInvalidDeep_ReportsDeepPath()
    {
        AssertSingle(
            TreeSchema,
            """{ "value": 1, "children": [ { "value": 2, "children": [ { "value": 3 }, { "value": "four" } ] } ] }""",
            "children[0].children[1].value",
            "must be an integer, but is a string");

        List<SchemaViolation> violations = Validate(TreeSchema, BuildTree(depth: 20, badLeaf: true));
        SchemaViolation violation = Assert.Single(violations);
        Assert.Equal(string.Concat(Enumerable.Repeat("children[0].", 20)) + "value", violation.Path);
    }

    [Fact]
    public void Validate_RootSelfReference_Resolves()
    {
        const string schema = """{ "type": "object", "properties": { "next": { "$ref": "#" }, "n": { "type": "integer" } } }""";
        AssertValid(schema, """{ "n": 1, "next": { "n": 2, "next": { "n": 3 } } }""");
        AssertSingle(schema, """{ "n": 1, "next": { "next": { "n": "x" } } }""", "next.next.n", "must be an integer, but is a string");
    }

    [Fact]
    public void Validate_RefCycleWithoutProgress_ReportsInsteadOfOverflowing()
    {
        const string schema = """{ "$defs": { "a": { "$ref": "#/$defs/b" }, "b": { "$ref": "#/$defs/a" } }, "$ref": "#/$defs/a" }""";
        SchemaViolation violation = Assert.Single(Validate(schema, "1"));
        Assert.Equal("(arguments)", violation.Path);
        Assert.Contains("schema refers to itself too deeply", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_RefToMissingDefinition_ThrowsNamingRefAndPointer()
    {
        ArgumentException exception = AssertCompileFails(
            """{ "properties": { "dealer": { "$ref": "#/$defs/Dealer" } } }""");
        Assert.Contains("'$ref'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("#/properties/dealer/$ref", exception.Message, StringComparison.Ordinal);
        Assert.Contains("#/$defs/Dealer", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("other.json#/$defs/a")]
    [InlineData("#anchor")]
    [InlineData("#/items/5")]
    public void Compile_UnresolvableRef_Throws(string reference)
    {
        ArgumentException exception = AssertCompileFails($$"""{ "items": [ { "$ref": "{{reference}}" } ] }""");
        Assert.Contains(reference, exception.Message, StringComparison.Ordinal);
        Assert.Contains("#/items/0/$ref", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_InvalidPattern_ThrowsNamingKeywordAndPointer()
    {
        ArgumentException exception = AssertCompileFails("""{ "properties": { "code": { "pattern": "^[A-Z" } } }""");
        Assert.Contains("'pattern'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("#/properties/code/pattern", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_InvalidPatternPropertiesRegex_Throws()
    {
        ArgumentException exception = AssertCompileFails("""{ "patternProperties": { "(": {} } }""");
        Assert.Contains("'patternProperties'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_SchemaThatIsNotAnObject_Throws() =>
        AssertCompileFails("42");

    [Fact]
    public void Compile_AnnotationsAndUnknownKeywords_AreIgnored()
    {
        const string schema = """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema", "$comment": "c",
              "title": "odd", "description": "x", "examples": [1], "default": {}, "deprecated": true,
              "readOnly": false, "writeOnly": false, "contentMediaType": "text/plain", "contentEncoding": "base64",
              "x-vendor": { "anything": true }, "discriminator": { "propertyName": "kind" },
              "format": "made-up", "unknownKeyword": [1, 2], "properties": { "b": {} }
            }
            """;
        AssertValid(schema, """{ "a": 1, "b": 2 }""");
    }

    // A keyword whose value has the wrong shape used to be ignored, so the schema was enforced more loosely than
    // written (issue #17 item 9); it is refused at compile time, naming the keyword and where it is.
    [Theory]
    [InlineData("""{ "type": "weird" }""", "'type' at '#/type'")]
    [InlineData("""{ "properties": { "a": { "type": ["string", "int"] } } }""", "'type' at '#/properties/a/type'")]
    [InlineData("""{ "minLength": -1 }""", "'minLength' at '#/minLength'")]
    [InlineData("""{ "maxItems": "ten" }""", "'maxItems' at '#/maxItems'")]
    [InlineData("""{ "maxLength": 2.5 }""", "'maxLength' at '#/maxLength'")]
    [InlineData("""{ "required": "nope" }""", "'required' at '#/required'")]
    [InlineData("""{ "properties": { "a": "not a schema" } }""", "'properties' at '#/properties'")]
    [InlineData("""{ "items": 5 }""", "'items' at '#/items'")]
    [InlineData("""{ "allOf": [] }""", "'allOf' at '#/allOf'")]
    [InlineData("""{ "anyOf": [ 1 ] }""", "'anyOf' at '#/anyOf'")]
    [InlineData("""{ "additionalProperties": "no" }""", "'additionalProperties' at '#/additionalProperties'")]
    [InlineData("""{ "pattern": 5 }""", "'pattern' at '#/pattern'")]
    [InlineData("""{ "enum": "a" }""", "'enum' at '#/enum'")]
    [InlineData("""{ "multipleOf": 0 }""", "'multipleOf' at '#/multipleOf'")]
    [InlineData("""{ "minimum": "1" }""", "'minimum' at '#/minimum'")]
    [InlineData("""{ "uniqueItems": "yes" }""", "'uniqueItems' at '#/uniqueItems'")]
    [InlineData("""{ "dependentRequired": { "a": "b" } }""", "'dependentRequired' at '#/dependentRequired'")]
    [InlineData("""{ "unevaluatedProperties": 1 }""", "'unevaluatedProperties' at '#/unevaluatedProperties'")]
    [InlineData("""{ "$recursiveRef": "#" }""", "'$recursiveRef' at '#/$recursiveRef'")]
    [InlineData("""{ "$ref": 1 }""", "'$ref' at '#/$ref'")]
    public void Compile_KeywordValueOfTheWrongShape_IsRefusedNamingKeywordAndPointer(string schema, string expected)
    {
        ArgumentException exception = AssertCompileFails(schema);
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    // ---- keywords the validator used to ignore (issue #17 item 9) ----------------------------------------------

    [Fact]
    public void Validate_UnevaluatedPropertiesFalse_RefusesAPropertyNoSubschemaDeclares() =>
        AssertSingle(
            """
            {
              "allOf": [ { "properties": { "name": { "type": "string" } } } ],
              "anyOf": [ { "properties": { "id": { "type": "integer" } }, "required": ["id"] }, { "required": ["code"] } ],
              "unevaluatedProperties": false
            }
            """,
            """{ "name": "a", "id": 1, "admin": true }""",
            "admin",
            "is not allowed (unknown property)");

    [Fact]
    public void Validate_UnevaluatedPropertiesSchema_AppliesToTheRestOnly()
    {
        const string schema = """
            { "properties": { "name": { "type": "string" } }, "unevaluatedProperties": { "type": "integer" } }
            """;
        AssertValid(schema, """{ "name": "a", "count": 3 }""");
        AssertSingle(schema, """{ "name": "a", "count": "3" }""", "count", "must be an integer, but is a string");
    }

    [Fact]
    public void Validate_UnevaluatedPropertiesFalse_DoesNotCountAFailedBranch() =>
        AssertSingle(
            """
            {
              "oneOf": [ { "properties": { "a": { "const": 1 } }, "required": ["a"] }, { "properties": { "b": true }, "required": ["b"] } ],
              "unevaluatedProperties": false
            }
            """,
            """{ "a": 2, "b": 1 }""",
            "a",
            "is not allowed (unknown property)");

    [Fact]
    public void Validate_UnevaluatedItemsFalse_RefusesItemsAfterThePrefix() =>
        AssertSingle(
            """{ "prefixItems": [ { "type": "string" } ], "allOf": [ { "prefixItems": [ true, { "type": "integer" } ] } ], "unevaluatedItems": false }""",
            """[ "a", 1, "extra" ]""",
            "[2]",
            "is not allowed (no schema covers this item)");

    [Fact]
    public void Validate_UnevaluatedItems_ItemsMatchedByContainsAreEvaluated()
    {
        const string schema = """{ "contains": { "type": "string" }, "unevaluatedItems": { "type": "integer" } }""";
        AssertValid(schema, """[ "a", 1, "b" ]""");
        AssertSingle(schema, """[ "a", true ]""", "[1]", "must be an integer, but is a boolean");
    }

    [Fact]
    public void Validate_PropertyNames_ReportsTheOffendingPropertyWithTheReason() =>
        AssertSingle(
            """{ "propertyNames": { "pattern": "^[a-z_]+$", "maxLength": 20 } }""",
            """{ "ok_name": 1, "Bad-Name": 2 }""",
            "Bad-Name",
            "has a name that is not allowed: the name must match pattern ^[a-z_]+$");

    [Fact]
    public void Validate_PropertyNamesFalse_RefusesAnyProperty()
    {
        const string schema = """{ "propertyNames": false }""";
        AssertValid(schema, "{}");
        AssertSingle(schema, """{ "a": 1 }""", "a", "is not allowed (no property names are allowed here)");
    }

    [Fact]
    public void Validate_ContainsOnAnEmptyArray_Fails() =>
        AssertSingle("""{ "contains": { "type": "integer" } }""", "[]", "(arguments)", "must contain at least 1 matching item(s)");

    [Fact]
    public void Validate_RefToAnAnchorAndToAnEmbeddedResource_Resolve()
    {
        const string schema = """
            {
              "$id": "https://example.com/order.json",
              "properties": {
                "customer": { "$ref": "#customer" },
                "line": { "$ref": "line.json" }
              },
              "$defs": {
                "c": { "$anchor": "customer", "type": "object", "required": ["id"] },
                "l": { "$id": "line.json", "type": "object", "properties": { "sku": { "$ref": "#/$defs/sku" } },
                       "$defs": { "sku": { "type": "string", "pattern": "^[A-Z]{3}-[0-9]+$" } } }
              }
            }
            """;
        AssertValid(schema, """{ "customer": { "id": 1 }, "line": { "sku": "ABC-1" } }""");
        AssertSingle(schema, """{ "customer": { "id": 1 }, "line": { "sku": "abc" } }""", "line.sku", "must match pattern ^[A-Z]{3}-[0-9]+$");
    }

    [Fact]
    public void Validate_DynamicRef_ResolvesToTheOutermostDynamicAnchor()
    {
        // A generic list whose item type the referring schema decides ($dynamicRef "#item" in list.json).
        const string schema = """
            {
              "$id": "https://example.com/strings.json",
              "$ref": "list.json",
              "$defs": {
                "item": { "$dynamicAnchor": "item", "type": "string" },
                "list": { "$id": "list.json", "type": "array", "items": { "$dynamicRef": "#item" },
                          "$defs": { "any": { "$dynamicAnchor": "item" } } }
              }
            }
            """;
        AssertValid(schema, """[ "a", "b" ]""");
        AssertSingle(schema, """[ "a", 1 ]""", "[1]", "must be a string, but is an integer");
    }

    [Fact]
    public void Compile_RefToAnotherDocument_IsRefused()
    {
        ArgumentException exception = AssertCompileFails("""{ "$ref": "https://json-schema.org/draft/2020-12/schema" }""");
        Assert.Contains("'$ref' at '#/$ref'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("outside this schema document", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("৪২")]
    [InlineData("４２")]
    public void Validate_PatternDigitClass_MatchesAsciiDigitsOnly(string digits) =>
        AssertSingle("""{ "pattern": "^\\d+$" }""", $"\"{digits}\"", "(arguments)", "must match pattern ^\\d+$");

    [Fact]
    public void Validate_PatternNonWhitespaceClass_RefusesANoBreakSpace() =>
        AssertSingle("""{ "pattern": "^\\S+$" }""", "\"a\u00a0b\"", "(arguments)", "must match pattern ^\\S+$");

    [Fact]
    public void Validate_VeryLongUnknownPropertyName_IsShortenedInThePath()
    {
        string name = new('x', 10_000);
        SchemaViolation violation = Assert.Single(Validate("""{ "additionalProperties": false }""", $$"""{ "{{name}}": 1 }"""));

        Assert.True(violation.Path.Length < 100, violation.Path);
        Assert.StartsWith("[\"xxxx", violation.Path, StringComparison.Ordinal);
        Assert.EndsWith("...\"]", violation.Path, StringComparison.Ordinal);
    }

    // ---- guards and limits ------------------------------------------------------------------------------------

    [Fact]
    public void Validate_InstanceDeeperThanLimit_ReportsNestedTooDeeply()
    {
        string instance = new string('[', 100) + new string(']', 100);
        using JsonDocument document = JsonDocument.Parse(instance, new JsonDocumentOptions { MaxDepth = 200 });
        JsonSchemaValidator validator = Compile("""{ "type": "array", "items": { "$ref": "#" } }""");
        var violations = new List<SchemaViolation>();

        Assert.False(validator.Validate(document.RootElement, violations));

        SchemaViolation violation = Assert.Single(violations);
        Assert.Equal("is nested too deeply", violation.Message);
        Assert.Equal(string.Concat(Enumerable.Repeat("[0]", 64)), violation.Path);
    }

    [Fact]
    public void Validate_DeepObjectsWithinLimit_AreValidated()
    {
        string instance = string.Concat(Enumerable.Repeat("{\"next\":", 60)) + "{}" + new string('}', 60);
        AssertValid("""{ "type": "object", "properties": { "next": { "$ref": "#" } } }""", instance);
    }

    [Fact]
    public void Validate_ManyViolations_StopsAtMaxViolations()
    {
        var names = string.Join(",", Enumerable.Range(0, 50).Select(i => $"\"p{i}\""));
        string schema = $$"""{ "required": [{{names}}] }""";

        Assert.Equal(5, Validate(schema, "{}", max: 5).Count);
        Assert.Equal(JsonSchemaValidator.DefaultMaxViolations, Validate(schema, "{}").Count);
    }

    [Fact]
    public void Validate_ManyBadItems_StopsAtMaxViolations()
    {
        string instance = "[" + string.Join(",", Enumerable.Repeat("\"x\"", 10_000)) + "]";
        List<SchemaViolation> violations = Validate("""{ "items": { "type": "integer" } }""", instance, max: 3);
        Assert.Equal(["[0]", "[1]", "[2]"], violations.Select(v => v.Path));
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEach()
    {
        List<SchemaViolation> violations = Validate(
            LeadSchema,
            """{ "dealer_id": 0, "status": "won", "customer": { "name": "", "email": "nope" }, "extra": 1 }""");
        Assert.Equal(
            [
                "dealer_id: must be at least 1",
                "status: must be one of: pending, contacted, converted, lost",
                "customer.name: must have at least 1 character(s)",
                "customer.email: must be an email address, e.g. name@example.com",
                "extra: is not allowed (unknown property)",
            ],
            violations.Select(v => v.ToString()));
    }

    [Fact]
    public void Validate_AppendsToExistingList_WithoutClearingIt()
    {
        JsonSchemaValidator validator = Compile("""{ "type": "string" }""");
        var violations = new List<SchemaViolation> { new("earlier", "kept") };
        using JsonDocument document = JsonDocument.Parse("1");

        Assert.False(validator.Validate(document.RootElement, violations, maxViolations: 1));

        Assert.Equal(2, violations.Count);
        Assert.Equal("kept", violations[0].Message);
    }

    [Fact]
    public void Validate_UndefinedInstance_ReportsMissingArguments()
    {
        var violations = new List<SchemaViolation>();
        Assert.False(Compile("""{ "type": "object" }""").Validate(default, violations));
        Assert.Equal("(arguments)", Assert.Single(violations).Path);
    }

    [Fact]
    public void Validate_InvalidArguments_Throw()
    {
        JsonSchemaValidator validator = Compile("{}");
        using JsonDocument document = JsonDocument.Parse("1");
        Assert.Throws<ArgumentNullException>(() => validator.Validate(document.RootElement, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => validator.Validate(document.RootElement, [], maxViolations: 0));
    }

    [Fact]
    public void Validate_TypicalObjectTenThousandTimes_StaysCorrect()
    {
        JsonSchemaValidator validator = Compile(LeadSchema);
        using JsonDocument valid = JsonDocument.Parse(LeadArguments);
        using JsonDocument invalid = JsonDocument.Parse(LeadArguments.Replace("\"BLR\"", "\"blr\"", StringComparison.Ordinal));
        var violations = new List<SchemaViolation>();

        for (int i = 0; i < 10_000; i++)
        {
            Assert.True(validator.Validate(valid.RootElement, violations));
        }

        Assert.Empty(violations);
        Assert.False(validator.Validate(invalid.RootElement, violations));
        Assert.Equal("region: must match pattern ^[A-Z]{3}$", Assert.Single(violations).ToString());
    }

    [Fact]
    public async Task Validate_ConcurrentCallers_GetIndependentResults()
    {
        JsonSchemaValidator validator = Compile(TreeSchema);
        string good = BuildTree(depth: 10, badLeaf: false);
        string bad = BuildTree(depth: 10, badLeaf: true);

        Task[] tasks = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            using JsonDocument document = JsonDocument.Parse(worker % 2 == 0 ? good : bad);
            for (int i = 0; i < 500; i++)
            {
                var violations = new List<SchemaViolation>();
                bool result = validator.Validate(document.RootElement, violations);
                Assert.Equal(worker % 2 == 0, result);
                Assert.Equal(worker % 2 == 0 ? 0 : 1, violations.Count);
            }
        }, TestContext.Current.CancellationToken)).ToArray();

        await Task.WhenAll(tasks);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static JsonSchemaValidator Compile(string schema)
    {
        using JsonDocument document = JsonDocument.Parse(schema);
        return JsonSchemaValidator.Compile(document.RootElement);
    }

    private static ArgumentException AssertCompileFails(string schema)
    {
        using JsonDocument document = JsonDocument.Parse(schema);
        return Assert.Throws<ArgumentException>(() => JsonSchemaValidator.Compile(document.RootElement));
    }

    /// <summary>Compiles (disposing the schema document first), validates, and checks the return value agrees.</summary>
    private static List<SchemaViolation> Validate(string schema, string instance, int max = JsonSchemaValidator.DefaultMaxViolations)
    {
        JsonSchemaValidator validator = Compile(schema);
        using JsonDocument document = JsonDocument.Parse(instance);
        var violations = new List<SchemaViolation>();
        bool valid = validator.Validate(document.RootElement, violations, max);
        Assert.Equal(violations.Count == 0, valid);
        return violations;
    }

    private static void AssertValid(string schema, string instance) =>
        Assert.Empty(Validate(schema, instance));

    private static void AssertSingle(string schema, string instance, string path, string message)
    {
        List<SchemaViolation> violations = Validate(schema, instance);
        SchemaViolation violation = Assert.Single(violations);
        Assert.Equal(path, violation.Path);
        Assert.Equal(message, violation.Message);
    }

    private static string BuildTree(int depth, bool badLeaf)
    {
        var builder = new StringBuilder();
        for (int i = 0; i < depth; i++)
        {
            builder.Append("{ \"value\": ").Append(i).Append(", \"children\": [");
        }

        builder.Append(badLeaf ? "{ \"value\": \"leaf\" }" : "{ \"value\": 0 }");
        for (int i = 0; i < depth; i++)
        {
            builder.Append(", { \"value\": 1, \"children\": [] } ] }");
        }

        return builder.ToString();
    }
}
