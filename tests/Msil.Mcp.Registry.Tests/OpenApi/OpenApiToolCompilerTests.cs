using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry.Tests.OpenApi;

public sealed partial class OpenApiToolCompilerTests(ITestOutputHelper output)
{
    private const string DealerSpec31 = """
        openapi: 3.1.0
        info: {title: Dealers, version: '1.0'}
        servers: [{url: /backend}]
        paths:
          /v1/dealers/{id}:
            parameters:
              - name: id
                in: path
                required: true
                description: Unique dealer identifier
                example: DL001
                schema: {type: string}
            get:
              operationId: getDealer
              summary: Get one dealer
              description: Returns the dealer with the given id.
              tags: [Dealer]
              parameters:
                - name: fields
                  in: query
                  style: form
                  explode: false
                  description: Fields to return
                  schema: {type: array, items: {type: string}}
              responses:
                '200':
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Dealer'}
                      example: {id: DL001, name: Ace Motors}
                '404': {description: missing}
            put:
              operationId: updateDealer
              summary: Replace a dealer's details
              parameters:
                - name: status
                  in: query
                  description: Only update when the dealer has this status
                  schema: {type: string, enum: [active, closed]}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/DealerUpdate'}
                    example: {id: DL002, name: New name, status: active}
              responses:
                '200':
                  description: ok
                  content:
                    application/json:
                      schema: {type: array, items: {$ref: '#/components/schemas/Dealer'}}
            delete:
              operationId: deleteDealer
              summary: Delete a dealer for good
              responses:
                '204': {description: gone}
          /v1/dealers/{id}/purge:
            post:
              operationId: purgeDealer
              summary: Purge every record of a dealer
              x-mcp-risk-level: privileged
              parameters:
                - {name: id, in: path, required: true, description: Dealer id, schema: {type: string}}
              responses:
                '202': {description: accepted}
          /v1/dealers/{id}/rename:
            post:
              operationId: renameDealer
              summary: Rename a dealer in place
              x-mcp-risk-level: superuser
              parameters:
                - {name: id, in: path, required: true, description: Dealer id, schema: {type: string}}
              responses:
                '200': {description: ok}
        components:
          schemas:
            Dealer:
              type: object
              required: [id, name]
              properties:
                id: {type: string, description: Dealer id}
                name: {type: string, description: Display name}
                rating: {type: [number, 'null'], minimum: 0, maximum: 5, description: Average rating}
            DealerUpdate:
              type: object
              required: [name]
              properties:
                id: {type: string, description: The new dealer id}
                name: {type: string, description: The new display name, maxLength: 80}
                status: {type: string, description: The new status}
        """;

    private static readonly Regex ToolNamePattern = ToolNameRegex();

    private static readonly JsonSerializerOptions DeepJson = new() { MaxDepth = 1024 };

    [Theory]
    [MemberData(nameof(CorpusSpecs))]
    public void Compile_CorpusSpec_EveryOperationIsAToolOrReported(string spec)
    {
        var compiler = new OpenApiToolCompiler();
        var expectedOperations = OpenApiCorpus.CountOperations(spec);

        var stopwatch = Stopwatch.StartNew();
        OpenApiCompilation first;
        using (var stream = File.OpenRead(OpenApiCorpus.PathOf(spec)))
        {
            first = compiler.Compile(stream, spec);
        }

        var firstTime = stopwatch.Elapsed;
        stopwatch.Restart();
        OpenApiCompilation second;
        using (var stream = File.OpenRead(OpenApiCorpus.PathOf(spec)))
        {
            second = compiler.Compile(stream, spec);
        }

        var secondTime = stopwatch.Elapsed;
        var skipped = first.Diagnostics.Where(d => d.Skipped && d.Operation is not null).ToList();
        output.WriteLine(
            $"{spec}: OAS {first.SpecVersion}, {first.OperationCount} operations, {first.Tools.Count} tools, {skipped.Count} reported, " +
            $"{first.Diagnostics.Count} diagnostics, {first.Lint.Count} lint findings; cold {firstTime.TotalMilliseconds:F0} ms, warm {secondTime.TotalMilliseconds:F0} ms");
        foreach (var diagnostic in skipped)
        {
            output.WriteLine($"  skipped {diagnostic.Operation}: {diagnostic.Code}: {diagnostic.Message}");
        }

        Assert.True(first.Succeeded, string.Join(Environment.NewLine, first.Diagnostics.Select(d => d.Message)));
        Assert.Equal(expectedOperations, first.OperationCount);
        Assert.Equal(first.OperationCount, first.Tools.Count + skipped.Count);
        Assert.Equal(skipped.Count, skipped.Select(d => d.Operation).Distinct().Count());

        var names = first.Tools.Select(t => t.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, name => Assert.Matches(ToolNamePattern, name));

        foreach (var tool in first.Tools)
        {
            Assert.Equal(JsonValueKind.Object, tool.InputSchema.ValueKind);
            Assert.Equal("object", tool.InputSchema.GetProperty("type").GetString());
            Assert.False(tool.InputSchema.GetProperty("additionalProperties").GetBoolean());
            var serialized = JsonSerializer.Serialize(tool.InputSchema, DeepJson);
            Assert.StartsWith("{", serialized, StringComparison.Ordinal);

            var properties = tool.InputSchema.GetProperty("properties");
            foreach (var binding in tool.Http!.Parameters)
            {
                Assert.True(properties.TryGetProperty(binding.Argument, out _), $"{tool.Name}: binding {binding.Argument} has no property");
            }

            Assert.Equal(tool.Http.Parameters.Count, properties.EnumerateObject().Count());
            if (tool.InputSchema.TryGetProperty("required", out var required))
            {
                Assert.All(required.EnumerateArray(), r => Assert.True(properties.TryGetProperty(r.GetString()!, out _)));
            }

            if (tool.OutputSchema is { } outputSchema)
            {
                Assert.Equal("object", outputSchema.GetProperty("type").GetString());
            }

            Assert.Equal(ToolDefinitionHasher.Compute(tool), tool.ContentHash);
            Assert.Matches("^[0-9a-f]{64}$", tool.ContentHash);
            Assert.Equal("openapi:" + spec, tool.Source);
            Assert.InRange(tool.Description.Length, 1, 1024);
        }

        Assert.Equal(names, second.Tools.Select(t => t.Name));
        Assert.Equal(first.Tools.Select(t => t.ContentHash), second.Tools.Select(t => t.ContentHash));

        // Same document, same bytes.
        Assert.Equal(first.Tools.Select(t => t.InputSchema.GetRawText() + t.OutputSchema?.GetRawText()), second.Tools.Select(t => t.InputSchema.GetRawText() + t.OutputSchema?.GetRawText()));

        // At least 95 % of the operations become tools, and every tool is within the size budget (64 KB by default).
        Assert.True(first.Tools.Count >= first.OperationCount * 0.95, $"{first.Tools.Count} tools of {first.OperationCount} operations");
        var sizes = first.Tools.Select(Size).Order().ToList();
        if (sizes.Count > 0)
        {
            output.WriteLine(
                $"{spec} sizes: {sizes.Count} tools, {sizes.Sum(s => (long)s):N0} bytes of schemas, largest {sizes[^1]:N0}, p50 {sizes[(sizes.Count - 1) / 2]:N0}, " +
                $"p95 {sizes[(int)Math.Ceiling(sizes.Count * 0.95) - 1]:N0}; {first.Lint.Count(l => l.Code == "schema-budget")} tools over budget fitted " +
                $"({first.Tools.Count(t => t.OutputSchema is null && first.Lint.Any(l => l.Tool == t.Name && l.Code == "schema-budget" && l.Message.Contains("output schema dropped", StringComparison.Ordinal)))} without output schema)");
        }

        Assert.All(first.Tools, tool => Assert.True(Size(tool) <= 64 * 1024, $"{tool.Name}: {Size(tool)} bytes of schemas"));
    }

    public static TheoryData<string> CorpusSpecs() => OpenApiCorpus.SpecNames();

    [Theory]
    [InlineData("true", "boolean")]
    [InlineData("false", null)]
    [InlineData("0", "integer")]
    [InlineData("-3", null)]
    [InlineData("1.5", "number")]
    [InlineData("1.5", null)]
    [InlineData("null", "null")]
    [InlineData("null", null)]
    [InlineData("\"text\"", "string")]
    [InlineData("\"True\"", null)]
    [InlineData("\"1\"", "string")]
    [InlineData("{\"a\":1,\"b\":[true,null]}", "object")]
    [InlineData("{\"a\":1}", null)]
    [InlineData("[1,\"x\"]", "array")]
    [InlineData("[]", null)]
    public void Compile_ConstOfEveryJsonType_KeepsItsJsonTypeInJsonAndYaml(string literal, string? type)
    {
        var typeMember = type is null ? string.Empty : $"\"type\":\"{type}\",";
        var json = "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{\"/v\":{\"post\":{\"operationId\":\"echo\","
            + "\"requestBody\":{\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/V\"}}}},"
            + "\"responses\":{\"200\":{\"description\":\"ok\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/V\"}}}}}}}},"
            + "\"components\":{\"schemas\":{\"V\":{\"type\":\"object\",\"properties\":{\"v\":{" + typeMember + "\"const\":" + literal + "}}}}}}";
        var property = "v: {" + (type is null ? string.Empty : $"type: '{type}', ") + "const: " + literal + "}";
        var yaml = """
            openapi: 3.1.0
            info: {title: t, version: '1'}
            paths:
              /v:
                post:
                  operationId: echo
                  requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/V'}}}}
                  responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/V'}}}}}
            components:
              schemas:
                V:
                  type: object
                  properties:
                    PROPERTY
            """.Replace("PROPERTY", property, StringComparison.Ordinal);

        foreach (var text in new[] { json, yaml })
        {
            var compilation = Compile(text);
            var tool = Assert.Single(compilation.Tools);
            Assert.DoesNotContain(compilation.Diagnostics, d => d.Code == "reader-message");
            var expected = JsonNode.Parse(literal);
            foreach (var schema in new[] { tool.InputSchema, tool.OutputSchema!.Value })
            {
                var v = schema.GetProperty("properties").GetProperty("v");
                Assert.True(v.TryGetProperty("const", out var constant), v.GetRawText());
                Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(constant.GetRawText())), $"{literal} became {constant.GetRawText()}");
                Assert.DoesNotContain("x-msil-mcp-const", v.GetRawText(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Compile_SampleBackend_ServesTheErasedConstAsBooleanTrue()
    {
        var path = Path.Combine(OpenApiCorpus.Root, "samples", "Msil.Mcp.SampleBackend", "openapi.json");
        var compilation = new OpenApiToolCompiler().Compile(File.ReadAllText(path), "sample-backend");

        var erasing = Assert.Single(compilation.Tools, t => t.OutputSchema is { } o && o.GetProperty("properties").TryGetProperty("erased", out _));
        var erased = erasing.OutputSchema!.Value.GetProperty("properties").GetProperty("erased");
        Assert.Equal(JsonValueKind.True, erased.GetProperty("const").ValueKind);
    }

    [Theory]
    [MemberData(nameof(CorpusSpecs))]
    public void Compile_CorpusSpec_ConstEnumDefaultAndExamplesKeepTheSourceJsonType(string spec)
    {
        var source = SourceValues.Collect(OpenApiCorpus.ReadRaw(spec));
        var compilation = CompileFile(spec);

        var checkedValues = 0;
        var problems = new List<string>();
        foreach (var tool in compilation.Tools)
        {
            foreach (var schema in new[] { tool.InputSchema, tool.OutputSchema ?? default })
            {
                if (schema.ValueKind == JsonValueKind.Object)
                {
                    checkedValues += SourceValues.Check(schema, source, tool.Name, problems);
                }
            }
        }

        output.WriteLine($"{spec}: {checkedValues} const/enum/default/examples values checked against the source document");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Take(20)));
    }

    [Fact]
    public void Compile_ExpandableObjects_SharesEachComponentOnceUnderDefs()
    {
        var compilation = CompileFile(OpenApiCorpus.Expandable);

        var charge = compilation.Tools.Single(t => t.Name == "retrieve_charge");
        var text = charge.OutputSchema!.Value.GetRawText();
        output.WriteLine($"retrieve_charge: input {charge.InputSchema.GetRawText().Length} bytes, output {text.Length} bytes");
        var defs = charge.OutputSchema.Value.GetProperty("$defs");
        Assert.True(defs.TryGetProperty("customer", out _));
        Assert.True(defs.TryGetProperty("invoice", out _));

        // Each shared object is written once (in $defs) however many fields expand to it.
        Assert.Equal(1, Regex.Count(text, "\"title\":\"customer\""));
        Assert.Equal(1, Regex.Count(text, "\"title\":\"address\""));
        foreach (var tool in compilation.Tools)
        {
            AssertRefsResolve(tool.Name, tool.InputSchema);
            if (tool.OutputSchema is { } outputSchema)
            {
                AssertRefsResolve(tool.Name, outputSchema);
            }
        }
    }

    [Fact]
    public void Compile_ComponentUsedTwiceInOneTool_IsSharedThereAndInlinedWhereUsedOnce()
    {
        var address = "{type: object, properties: {" + string.Join(", ", Enumerable.Range(1, 6).Select(i => $"line{i}: {{type: string, maxLength: 200, description: Address line number {i} of the postal address}}")) + "}}";
        var compilation = Compile("""
            openapi: 3.0.3
            info: {title: t, version: '1'}
            paths:
              /orders:
                post:
                  operationId: createOrder
                  requestBody:
                    content: {application/json: {schema: {type: object, properties: {billing: {$ref: '#/components/schemas/Address'}, shipping: {$ref: '#/components/schemas/Address'}}}}}
                  responses: {'200': {description: ok}}
              /returns:
                post:
                  operationId: createReturn
                  requestBody:
                    content: {application/json: {schema: {type: object, properties: {pickup: {$ref: '#/components/schemas/Address'}}}}}
                  responses: {'200': {description: ok}}
            components:
              schemas:
                Address: ADDRESS
            """.Replace("ADDRESS", address, StringComparison.Ordinal));

        var order = compilation.Tools.Single(t => t.Name == "create_order").InputSchema;
        Assert.Equal("{\"$ref\":\"#/$defs/Address\"}", order.GetProperty("properties").GetProperty("billing").GetRawText());
        Assert.Equal("{\"$ref\":\"#/$defs/Address\"}", order.GetProperty("properties").GetProperty("shipping").GetRawText());
        Assert.Equal("object", order.GetProperty("$defs").GetProperty("Address").GetProperty("type").GetString());

        var returns = compilation.Tools.Single(t => t.Name == "create_return").InputSchema;
        Assert.False(returns.TryGetProperty("$defs", out _));
        Assert.Equal("object", returns.GetProperty("properties").GetProperty("pickup").GetProperty("type").GetString());
    }

    [Fact]
    public void Compile_ToolOverItsBudget_SharesThenShortensDescriptionsThenDropsTheOutputSchema()
    {
        // Money (under 256 bytes) is inlined 24 times; every property also has a long description.
        var description = string.Concat(Enumerable.Repeat("An amount of the order's lifecycle, in minor units. ", 6));
        var properties = string.Join(",", Enumerable.Range(0, 24).Select(i => $"\"amount{i}\":{{\"$ref\":\"#/components/schemas/Money\",\"description\":\"{description}\"}}"));
        var spec = "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{\"/totals\":{\"get\":{\"operationId\":\"getTotals\",\"summary\":\"Get the totals of an order\","
            + "\"responses\":{\"200\":{\"description\":\"ok\",\"content\":{\"application/json\":{\"schema\":{\"type\":\"object\",\"properties\":{" + properties + "}}}}}}}}},"
            + "\"components\":{\"schemas\":{\"Money\":{\"type\":\"object\",\"properties\":{\"value\":{\"type\":\"integer\"},\"currency\":{\"type\":\"string\",\"enum\":[\"EUR\",\"USD\",\"INR\"]}},\"required\":[\"value\",\"currency\"]}}}}";

        var whole = Assert.Single(Compile(spec).Tools);
        var size = Size(whole);
        output.WriteLine($"within the default budget: {size} bytes");
        Assert.DoesNotContain("$defs", whole.OutputSchema!.Value.GetRawText(), StringComparison.Ordinal);

        // Sharing Money alone saves about 24 × 60 bytes.
        var shared = Compile(spec, new OpenApiCompilerOptions { MaxToolSchemaBytes = size - 1000 });
        var sharedTool = Assert.Single(shared.Tools);
        var sharedLint = Assert.Single(shared.Lint, l => l.Code == "schema-budget");
        output.WriteLine(sharedLint.Message);
        Assert.True(sharedTool.OutputSchema!.Value.GetProperty("$defs").TryGetProperty("Money", out _));
        Assert.Contains(size.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " bytes", sharedLint.Message, StringComparison.Ordinal);
        Assert.Contains("$defs", sharedLint.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("descriptions", sharedLint.Message, StringComparison.Ordinal);
        Assert.True(Size(sharedTool) <= size - 1000);

        // The descriptions are most of the rest.
        var compact = Compile(spec, new OpenApiCompilerOptions { MaxToolSchemaBytes = Size(sharedTool) - 1000 });
        var compactTool = Assert.Single(compact.Tools);
        var compactLint = Assert.Single(compact.Lint, l => l.Code == "schema-budget");
        output.WriteLine(compactLint.Message);
        Assert.Contains("descriptions shortened", compactLint.Message, StringComparison.Ordinal);
        Assert.NotNull(compactTool.OutputSchema);
        Assert.Equal("An amount of the order's lifecycle, in minor units.",
            compactTool.OutputSchema.Value.GetProperty("properties").GetProperty("amount0").GetProperty("description").GetString());

        // Below even that, the output schema goes; the tool stays.
        var dropped = Compile(spec, new OpenApiCompilerOptions { MaxToolSchemaBytes = 1024 });
        var droppedTool = Assert.Single(dropped.Tools);
        var droppedLint = Assert.Single(dropped.Lint, l => l.Code == "schema-budget");
        output.WriteLine(droppedLint.Message);
        Assert.Null(droppedTool.OutputSchema);
        Assert.Contains("output schema dropped", droppedLint.Message, StringComparison.Ordinal);
        Assert.True(Size(droppedTool) <= 1024);

        // Deterministic: the same document gives the same bytes.
        Assert.Equal(compactTool.OutputSchema.Value.GetRawText(), Assert.Single(Compile(spec, new OpenApiCompilerOptions { MaxToolSchemaBytes = Size(sharedTool) - 1000 }).Tools).OutputSchema!.Value.GetRawText());
    }

    private static int Size(ToolDefinition tool)
        => Encoding.UTF8.GetByteCount(tool.InputSchema.GetRawText()) + (tool.OutputSchema is { } o ? Encoding.UTF8.GetByteCount(o.GetRawText()) : 0);

    private static void AssertRefsResolve(string tool, JsonElement schema)
    {
        var text = schema.GetRawText();
        foreach (Match match in Regex.Matches(text, "\"\\$ref\":\"#/\\$defs/([^\"]+)\""))
        {
            Assert.True(schema.TryGetProperty("$defs", out var defs) && defs.TryGetProperty(match.Groups[1].Value, out _), $"{tool}: missing $defs/{match.Groups[1].Value}");
        }
    }

    [Fact]
    public void Compile_CircularSpec_UsesDefsAndRefsAndStaysSmall()
    {
        var compilation = CompileFile("readme-schema-circular.yaml");

        Assert.True(compilation.Succeeded);
        Assert.Equal(3, compilation.Tools.Count);
        var schemas = compilation.Tools.Select(t => t.InputSchema.GetRawText()).ToList();
        Assert.Contains(compilation.Tools, t => t.InputSchema.TryGetProperty("$defs", out var defs) && defs.EnumerateObject().Any());
        Assert.Contains(schemas, s => s.Contains("\"$ref\":\"#/$defs/", StringComparison.Ordinal));
        Assert.All(schemas, s => Assert.True(Encoding.UTF8.GetByteCount(s) < 256 * 1024, $"schema of {s.Length} characters"));

        // Every $ref points at a definition that is there.
        foreach (var tool in compilation.Tools)
        {
            var text = tool.InputSchema.GetRawText();
            foreach (Match match in Regex.Matches(text, "\"\\$ref\":\"#/\\$defs/([^\"]+)\""))
            {
                Assert.True(tool.InputSchema.GetProperty("$defs").TryGetProperty(match.Groups[1].Value, out _), $"{tool.Name}: missing $defs/{match.Groups[1].Value}");
            }
        }

        // The Authorization header parameter is ignored, as OpenAPI requires.
        var circular = compilation.Tools.Single(t => t.Http!.PathTemplate == "/circular");
        Assert.DoesNotContain(circular.Http!.Parameters, p => p.Name == "Authorization");
        Assert.Equal("multipart/form-data", circular.Http.BodyContentType);
    }

    [Fact]
    public void Compile_Kubernetes_ReportsWarmTimingAndRenamesClashingBodyProperties()
    {
        var compiler = new OpenApiToolCompiler();
        var bytes = File.ReadAllBytes(OpenApiCorpus.PathOf("kubernetes-v1.13-swagger.json"));
        var compilation = compiler.Compile(new MemoryStream(bytes), "kubernetes");
        var timings = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            compilation = compiler.Compile(new MemoryStream(bytes), "kubernetes");
            timings.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        var inputBytes = compilation.Tools.Sum(t => (long)t.InputSchema.GetRawText().Length);
        var outputBytes = compilation.Tools.Sum(t => (long)(t.OutputSchema?.GetRawText().Length ?? 0));
        output.WriteLine($"kubernetes warm compile: {string.Join(", ", timings.Select(t => $"{t:F0} ms"))}; " +
            $"{compilation.Tools.Count} tools, input schemas {inputBytes / 1024} KB, output schemas {outputBytes / 1024} KB");

        var delete = compilation.Tools.Single(t => t.Name == "delete_core_v1_namespaced_pod");
        Assert.Contains(delete.Http!.Parameters, p => p is { Argument: "dryRun", Name: "dryRun", Location: ParameterLocation.Query });
        Assert.Contains(delete.Http.Parameters, p => p is { Argument: "body_dryRun", Name: "dryRun", Location: ParameterLocation.Body });
        Assert.Equal(RiskLevel.Write, delete.RiskLevel);
        Assert.Equal("core_v1", delete.Domain);

        // Long operation ids are shortened with a stable hash suffix.
        Assert.Contains(compilation.Lint, l => l.Code == "name-changed" && l.Message.Contains("longer than 64", StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_LongAndCollidingOperationIds_TruncatesAndSuffixesStably()
    {
        var longId = "getTheVeryLongListOfEveryDealerEnquiryThatWasEverMadeInAnyRegionOfTheCountryByRegion";
        string[] paths =
        [
            "\"/b\":{\"get\":{\"operationId\":\"get_pets\",\"summary\":\"List pets, second path\",\"responses\":{\"200\":{\"description\":\"ok\"}}}}",
            "\"/a\":{\"get\":{\"operationId\":\"getPets\",\"summary\":\"List pets, first path\",\"responses\":{\"200\":{\"description\":\"ok\"}}}}",
            "\"/c\":{\"get\":{\"operationId\":\"" + longId + "\",\"summary\":\"A very long operation id\",\"responses\":{\"200\":{\"description\":\"ok\"}}}}",
            "\"/v1/pets/{petId}\":{\"get\":{\"summary\":\"No operation id here\",\"parameters\":[{\"name\":\"petId\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"}}],\"responses\":{\"200\":{\"description\":\"ok\"}}}}",
        ];
        static string Document(IEnumerable<string> paths) =>
            "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{" + string.Join(",", paths) + "}}";
        var spec = Document(paths);

        var compilation = Compile(spec);

        var byPath = compilation.Tools.ToDictionary(t => t.Http!.PathTemplate, t => t.Name);
        Assert.Equal("get_pets", byPath["/a"]);
        Assert.Equal("get_pets_" + ToolNaming.ShortHash("GET /b"), byPath["/b"]);
        var full = ToolNaming.ToSnakeCase(longId);
        Assert.True(full.Length > 64);
        Assert.Equal(64, byPath["/c"].Length);
        Assert.Equal(full[..57] + "_" + ToolNaming.ShortHash(full), byPath["/c"]);
        Assert.Equal("get_v1_pets_by_pet_id", byPath["/v1/pets/{petId}"]);
        Assert.Equal(3, compilation.Lint.Count(l => l.Code == "name-changed"));

        // The same names however the document orders its paths.
        var reordered = Compile(Document(paths.Reverse()));
        Assert.Equal(compilation.Tools.Select(t => t.Name), reordered.Tools.Select(t => t.Name));
        Assert.Equal(compilation.Tools.Select(t => t.ContentHash), reordered.Tools.Select(t => t.ContentHash));
    }

    [Fact]
    public void Compile_Inline31Spec_MapsParametersBodyRiskAndOutput()
    {
        var compilation = Compile(DealerSpec31, new OpenApiCompilerOptions { Gateway = "dealer-apim", Audience = "api://dealers" });

        Assert.True(compilation.Succeeded);
        Assert.Equal("3.1", compilation.SpecVersion);
        Assert.Equal(5, compilation.OperationCount);
        Assert.Equal(5, compilation.Tools.Count);
        var tools = compilation.Tools.ToDictionary(t => t.Name);

        // GET: path-level and operation-level parameters, output schema from the 200 object response, example.
        var get = tools["get_dealer"];
        Assert.Equal(RiskLevel.Read, get.RiskLevel);
        Assert.True(get.Idempotent);
        Assert.Equal("dealer", get.Domain);
        Assert.Equal("Get one dealer", get.Title);
        Assert.Equal("Get one dealer\n\nReturns the dealer with the given id.", get.Description);
        Assert.Equal("GET", get.Http!.Method);
        Assert.Equal("/v1/dealers/{id}", get.Http.PathTemplate);
        Assert.Equal("dealer-apim", get.Http.Gateway);
        Assert.Equal("api://dealers", get.Http.Audience);
        Assert.Equal("http", get.Executor);
        Assert.Equal("1.0.0", get.Version);
        Assert.Collection(
            get.Http.Parameters,
            p => Assert.Equal(new HttpParameterBinding("id", "id", ParameterLocation.Path), p),
            p => Assert.Equal(new HttpParameterBinding("fields", "fields", ParameterLocation.Query, null, false), p));
        Assert.Equal("Unique dealer identifier", get.InputSchema.GetProperty("properties").GetProperty("id").GetProperty("description").GetString());
        Assert.Equal(["id"], get.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var outputSchema = Assert.NotNull(get.OutputSchema);
        Assert.Equal("object", outputSchema.GetProperty("type").GetString());
        Assert.Equal(["id", "name", "rating"], outputSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal("[\"number\",\"null\"]", outputSchema.GetProperty("properties").GetProperty("rating").GetProperty("type").GetRawText());
        var example = Assert.Single(get.Examples);
        Assert.Equal("{\"id\":\"DL001\"}", example.Input.GetRawText());
        Assert.Equal("Ace Motors", example.Output!.Value.GetProperty("name").GetString());

        // PUT: body properties merge; the ones that clash with parameters become body_<name>.
        var put = tools["update_dealer"];
        Assert.Equal(RiskLevel.Write, put.RiskLevel);
        Assert.Equal("application/json", put.Http!.BodyContentType);
        Assert.Collection(
            put.Http.Parameters,
            p => Assert.Equal(new HttpParameterBinding("id", "id", ParameterLocation.Path), p),
            p => Assert.Equal(new HttpParameterBinding("status", "status", ParameterLocation.Query), p),
            p => Assert.Equal(new HttpParameterBinding("body_id", "id", ParameterLocation.Body), p),
            p => Assert.Equal(new HttpParameterBinding("name", "name", ParameterLocation.Body), p),
            p => Assert.Equal(new HttpParameterBinding("body_status", "status", ParameterLocation.Body), p));
        var properties = put.InputSchema.GetProperty("properties");
        Assert.Equal("The new dealer id", properties.GetProperty("body_id").GetProperty("description").GetString());
        Assert.Equal(80, properties.GetProperty("name").GetProperty("maxLength").GetInt32());
        Assert.Equal("[\"active\",\"closed\"]", properties.GetProperty("status").GetProperty("enum").GetRawText());
        Assert.Equal(["id", "name"], put.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Null(put.OutputSchema); // an array response is not an MCP output schema
        Assert.Equal(
            "{\"id\":\"DL001\",\"body_id\":\"DL002\",\"name\":\"New name\",\"body_status\":\"active\"}",
            Assert.Single(put.Examples).Input.GetRawText());
        Assert.Contains(compilation.Diagnostics, d => d is { Operation: "PUT /v1/dealers/{id}", Code: "argument-renamed" });

        // DELETE without x-mcp-risk-level is Write, and idempotent.
        var delete = tools["delete_dealer"];
        Assert.Equal(RiskLevel.Write, delete.RiskLevel);
        Assert.True(delete.Idempotent);

        // x-mcp-risk-level: privileged is honoured; an invalid value warns and falls back to the method's default.
        Assert.Equal(RiskLevel.Privileged, tools["purge_dealer"].RiskLevel);
        Assert.False(tools["purge_dealer"].Idempotent);
        Assert.Equal(RiskLevel.Write, tools["rename_dealer"].RiskLevel);
        Assert.Contains(compilation.Diagnostics, d => d is { Operation: "POST /v1/dealers/{id}/rename", Severity: CompileSeverity.Warning, Code: "risk-level-invalid" });
        Assert.DoesNotContain(compilation.Tools, t => t.Name != "purge_dealer" && t.RiskLevel == RiskLevel.Privileged);
    }

    [Fact]
    public void Compile_Swagger20Petstore_ConvertsBodyAndFormParameters()
    {
        var compilation = CompileFile("petstore-swagger2.yaml");
        var tools = compilation.Tools.ToDictionary(t => t.Name);

        Assert.Equal("2.0", compilation.SpecVersion);
        var addPet = tools["add_pet"];
        Assert.Equal("application/json", addPet.Http!.BodyContentType);
        Assert.Contains(addPet.Http.Parameters, p => p is { Argument: "name", Location: ParameterLocation.Body });
        Assert.Equal(["name", "photoUrls"], addPet.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));

        var form = tools["update_pet_with_form"];
        Assert.Equal("application/x-www-form-urlencoded", form.Http!.BodyContentType);
        Assert.Contains(form.Http.Parameters, p => p is { Argument: "status", Location: ParameterLocation.Body });

        var upload = tools["upload_file"];
        Assert.Equal("multipart/form-data", upload.Http!.BodyContentType);

        var createMany = tools["create_users_with_array_input"];
        var body = Assert.Single(createMany.Http!.Parameters);
        Assert.Equal(new HttpParameterBinding("body", "body", ParameterLocation.WholeBody), body);
        Assert.Equal("array", createMany.InputSchema.GetProperty("properties").GetProperty("body").GetProperty("type").GetString());
        Assert.NotNull(tools["get_pet_by_id"].OutputSchema);
    }

    [Fact]
    public void Compile_Nullable30Property_BecomesTypeArrayWithNull()
    {
        var compilation = Compile("""
            {"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/things":{"post":{
              "operationId":"createThing","summary":"Create a thing in the store",
              "requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{
                "label":{"type":"string","nullable":true,"description":"A label"},
                "kind":{"type":"string","enum":["a","b"],"nullable":true,"description":"The kind"}}}}}},
              "responses":{"201":{"description":"created"}}}}}}
            """);

        var properties = Assert.Single(compilation.Tools).InputSchema.GetProperty("properties");
        Assert.Equal("[\"string\",\"null\"]", properties.GetProperty("label").GetProperty("type").GetRawText());
        Assert.Equal("[\"a\",\"b\",null]", properties.GetProperty("kind").GetProperty("enum").GetRawText());
    }

    [Fact]
    public void Compile_UnsupportedRequestContentType_ReportsOperationOrDropsOptionalBody()
    {
        var compilation = Compile("""
            {"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{
              "/upload":{"post":{"operationId":"uploadBlob","summary":"Upload a binary blob",
                "requestBody":{"required":true,"content":{"image/png":{"schema":{"type":"string","format":"binary"}}}},
                "responses":{"200":{"description":"ok"}}}},
              "/touch":{"post":{"operationId":"touch","summary":"Touch the resource, maybe with data",
                "requestBody":{"content":{"image/png":{"schema":{"type":"string","format":"binary"}}}},
                "responses":{"200":{"description":"ok"}}}}}}
            """);

        Assert.Equal(2, compilation.OperationCount);
        var tool = Assert.Single(compilation.Tools);
        Assert.Equal("touch", tool.Name);
        Assert.Null(tool.Http!.BodyContentType);
        Assert.Empty(tool.Http.Parameters);
        var skipped = Assert.Single(compilation.Diagnostics, d => d.Skipped);
        Assert.Equal("POST /upload", skipped.Operation);
        Assert.Equal(CompileSeverity.Warning, skipped.Severity);
        Assert.Equal("unsupported-content-type", skipped.Code);
        Assert.Contains("image/png", skipped.Message, StringComparison.Ordinal);
        Assert.Contains(compilation.Diagnostics, d => d is { Operation: "POST /touch", Severity: CompileSeverity.Info, Code: "request-body-ignored" });
    }

    [Fact]
    public void Compile_MalformedJson_FailsWithReadableMessage()
    {
        var compilation = Compile("{\"openapi\": \"3.0.0\", \"info\": {\"title\": ");

        Assert.False(compilation.Succeeded);
        var error = Assert.Single(compilation.Diagnostics);
        Assert.Equal(CompileSeverity.Error, error.Severity);
        Assert.Equal("document-unreadable", error.Code);
        Assert.Null(error.Operation);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Empty(compilation.Tools);
    }

    [Theory]
    [InlineData("openapi: 3.0.0\ninfo: [\n  : : :\n\t- bad")]
    [InlineData("just some text")]
    [InlineData("")]
    [InlineData("swagger: '1.2'\napis: []")]
    public void Compile_MalformedYamlOrNotOpenApi_FailsWithoutThrowing(string text)
    {
        var compilation = Compile(text);

        Assert.False(compilation.Succeeded);
        var error = Assert.Single(compilation.Diagnostics);
        Assert.Equal("document-unreadable", error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        output.WriteLine(error.Message);
    }

    [Fact]
    public void Compile_DocumentOverMaxDocumentBytes_FailsBeforeParsing()
    {
        var compiler = new OpenApiToolCompiler(new OpenApiCompilerOptions { MaxDocumentBytes = 1024 });
        var text = DealerSpec31 + new string(' ', 2048);

        var fromText = compiler.Compile(text, "big.yaml");
        var fromStream = compiler.Compile(new MemoryStream(Encoding.UTF8.GetBytes(text)), "big.yaml");
        var fromUnseekable = compiler.Compile(new UnseekableStream(Encoding.UTF8.GetBytes(text)), "big.yaml");

        foreach (var compilation in new[] { fromText, fromStream, fromUnseekable })
        {
            Assert.False(compilation.Succeeded);
            var error = Assert.Single(compilation.Diagnostics);
            Assert.Equal("document-too-large", error.Code);
            Assert.Contains("1024", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CompileAsync_Stream_CompilesLikeCompile()
    {
        var compiler = new OpenApiToolCompiler();
        var bytes = Encoding.UTF8.GetBytes(DealerSpec31);

        var asynchronous = await compiler.CompileAsync(new UnseekableStream(bytes), "dealers.yaml", TestContext.Current.CancellationToken);
        var synchronous = compiler.Compile(new MemoryStream(bytes), "dealers.yaml");

        Assert.True(asynchronous.Succeeded);
        Assert.Equal(synchronous.Tools.Select(t => t.ContentHash), asynchronous.Tools.Select(t => t.ContentHash));
    }

    [Fact]
    public void Compile_YamlAliasBomb_CompletesQuicklyWithErrorOrBoundedResult()
    {
        var builder = new StringBuilder("openapi: 3.0.0\ninfo: {title: t, version: '1'}\nx-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        var previous = "a";
        for (var i = 0; i < 9; i++)
        {
            var name = "b" + i;
            builder.Append($"x-{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n");
            previous = name;
        }

        builder.Append("paths:\n  /a:\n    get:\n      operationId: getA\n      responses: {'200': {description: ok}}\n");

        var stopwatch = Stopwatch.StartNew();
        var compilation = Compile(builder.ToString());
        stopwatch.Stop();

        output.WriteLine($"alias bomb: {stopwatch.ElapsedMilliseconds} ms, succeeded={compilation.Succeeded}: {(compilation.Diagnostics.Count > 0 ? compilation.Diagnostics[0].Message : null)}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.True(!compilation.Succeeded || compilation.Tools.Count <= 1);
    }

    [Fact]
    public void Compile_AbsurdlyDeepJson_FailsQuickly()
    {
        var deep = "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"x-deep\":"
            + new string('[', 100_000) + new string(']', 100_000) + ",\"paths\":{}}";

        var stopwatch = Stopwatch.StartNew();
        var compilation = Compile(deep);

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.False(compilation.Succeeded);
        Assert.Contains("depth", Assert.Single(compilation.Diagnostics).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Compile_SchemaNestedBeyondMaxSchemaDepth_IsCutAndLinted()
    {
        var schema = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            schema.Append("{\"type\":\"object\",\"properties\":{\"a\":");
        }

        schema.Append("{\"type\":\"string\"}");
        for (var i = 0; i < 100; i++)
        {
            schema.Append("}}");
        }

        var spec = "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{\"/a\":{\"post\":{\"operationId\":\"deep\",\"summary\":\"A deeply nested body schema\","
            + "\"requestBody\":{\"content\":{\"application/json\":{\"schema\":" + schema + "}}},\"responses\":{\"200\":{\"description\":\"ok\"}}}}}}";

        var compilation = Compile(spec, new OpenApiCompilerOptions { MaxSchemaDepth = 10 });

        var tool = Assert.Single(compilation.Tools);
        Assert.Contains(compilation.Lint, l => l.Tool == tool.Name && l.Code == "schema-depth-capped");
        Assert.True(tool.InputSchema.GetRawText().Length < 2000);
    }

    [Fact]
    public void Compile_ReferenceBomb_StaysBoundedThroughDefs()
    {
        // L0 is small; every Ln has ten properties that refer to L(n-1): inlining all of L9 would take 10^9 copies.
        var components = new StringBuilder("\"L0\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\",\"description\":\"" + new string('x', 200) + "\"}}}");
        for (var level = 1; level < 10; level++)
        {
            var props = string.Join(",", Enumerable.Range(0, 10).Select(i => $"\"p{i}\":{{\"$ref\":\"#/components/schemas/L{level - 1}\"}}"));
            components.Append($",\"L{level}\":{{\"type\":\"object\",\"properties\":{{{props}}}}}");
        }

        var spec = "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{\"/bomb\":{\"post\":{\"operationId\":\"bomb\",\"summary\":\"A reference bomb in the body\","
            + "\"requestBody\":{\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/L9\"}}}},\"responses\":{\"200\":{\"description\":\"ok\"}}}}},"
            + "\"components\":{\"schemas\":{" + components + "}}}";

        var stopwatch = Stopwatch.StartNew();
        var compilation = Compile(spec);

        output.WriteLine($"reference bomb: {stopwatch.ElapsedMilliseconds} ms");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
        var tool = Assert.Single(compilation.Tools);
        var size = tool.InputSchema.GetRawText().Length;
        output.WriteLine($"reference bomb input schema: {size} characters");
        Assert.True(size < 4 * 1024 * 1024);
        Assert.True(tool.InputSchema.TryGetProperty("$defs", out _));
    }

    [Fact]
    public void Compile_ThousandsOfClashingArgumentNames_StaysFastAndUnique()
    {
        // "a", "_a", "a!", "__a!!", ... all want the argument name "a".
        var parameters = string.Join(",", Enumerable.Range(0, 5000).Select(i =>
            $"{{\"name\":\"{new string('_', i % 50)}a{new string('!', i / 50)}\",\"in\":\"query\",\"description\":\"p\",\"schema\":{{\"type\":\"string\"}}}}"));
        var spec = "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{\"/a\":{\"get\":{\"operationId\":\"getA\",\"summary\":\"Many clashing parameters\","
            + "\"parameters\":[" + parameters + "],\"responses\":{\"200\":{\"description\":\"ok\"}}}}}}";

        var stopwatch = Stopwatch.StartNew();
        var tool = Assert.Single(Compile(spec).Tools);

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        var names = tool.Http!.Parameters.Select(p => p.Argument).ToList();
        Assert.Equal(5000, names.Count);
        Assert.Equal(5000, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, name => Assert.True(ToolNaming.IsValidArgumentName(name), name));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compile_ExternalReference_IsReportedAndNeverFetched(bool hostAllowed)
    {
        var options = new OpenApiCompilerOptions();
        if (hostAllowed)
        {
            options.AllowedExternalHosts.Add("169.254.169.254");
        }

        var spec = """
            {"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/meta":{"post":{
              "operationId":"postMeta","summary":"Post something with an external schema",
              "parameters":[{"name":"q","in":"query","description":"Query","schema":{"$ref":"http://169.254.169.254/latest/meta-data/q"}}],
              "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"http://169.254.169.254/latest/meta-data"}}}},
              "responses":{"200":{"description":"ok"}}}}}}
            """;

        var stopwatch = Stopwatch.StartNew();
        var compilation = Compile(spec, options);
        stopwatch.Stop();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        var tool = Assert.Single(compilation.Tools);
        var warning = Assert.Single(compilation.Diagnostics, d => d.Code == "reference-unresolved");
        Assert.Equal(CompileSeverity.Warning, warning.Severity);
        Assert.Equal("POST /meta", warning.Operation);
        Assert.Contains("169.254.169.254", warning.Message, StringComparison.Ordinal);
        Assert.Contains(hostAllowed ? "not supported" : "AllowedExternalHosts", warning.Message, StringComparison.Ordinal);
        var body = tool.InputSchema.GetProperty("properties").GetProperty("body");
        Assert.Empty(body.EnumerateObject());
    }

    [Fact]
    public void Compile_AwkwardReferencesAndParameters_CompilesEveryOperation()
    {
        var compilation = Compile("""
            openapi: 3.1.0
            info: {title: t, version: '1'}
            paths:
              /a/{x}/{y}:
                post:
                  operationId: same
                  summary: Post with component parameters and body
                  parameters:
                    - $ref: '#/components/parameters/P'
                    - $ref: '#/components/parameters/Missing'
                    - {name: Accept, in: header, schema: {type: string}}
                    - {name: X-Trace, in: header, description: Trace id, schema: {type: string}}
                    - {name: raw, in: querystring, schema: {type: string}}
                  requestBody: {$ref: '#/components/requestBodies/B'}
                  responses:
                    '201': {$ref: '#/components/responses/R'}
              /b:
                get:
                  operationId: same
                  summary: Get with odd schemas
                  parameters:
                    - {name: sub, in: query, description: Sub, schema: {$ref: '#/components/schemas/A/properties/b'}}
                    - {name: missing, in: query, description: Missing, schema: {$ref: '#/components/schemas/Nope'}}
                    - {name: cycle, in: query, description: Cycle, schema: {$ref: '#/components/schemas/Cycle1'}}
                    - {name: 'filter[name]', in: query, description: Filter, schema: {type: string}}
                  responses:
                    default:
                      description: ok
                      content:
                        application/json:
                          schema: {$ref: '#/components/schemas/Tree', description: A tree}
              /d:
                $ref: '#/components/pathItems/PI'
            webhooks:
              hook:
                post: {operationId: hook, responses: {'200': {description: ok}}}
            components:
              parameters:
                P: {name: x, in: path, required: true, description: X, schema: {type: integer, exclusiveMinimum: 0}}
              requestBodies:
                B:
                  required: true
                  content:
                    application/vnd.api+json:
                      schema:
                        allOf:
                          - $ref: '#/components/schemas/A'
                          - {type: object, required: [c], properties: {c: {type: [string, 'null'], description: C}}}
              responses:
                R:
                  description: created
                  content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}
              pathItems:
                PI:
                  get: {operationId: fromPathItem, summary: From a path item component, responses: {'200': {description: ok}}}
              schemas:
                A:
                  type: object
                  properties:
                    id: {type: string, readOnly: true, description: Server-set id}
                    b: {type: integer, minimum: 1, description: B}
                    x: {type: string, description: Body x}
                Cycle1: {$ref: '#/components/schemas/Cycle2'}
                Cycle2: {$ref: '#/components/schemas/Cycle1'}
                Tree:
                  type: object
                  properties:
                    children: {type: array, items: {$ref: '#/components/schemas/Tree'}}
            """);

        Assert.True(compilation.Succeeded);
        Assert.Equal(3, compilation.OperationCount);
        Assert.Equal(3, compilation.Tools.Count);
        var tools = compilation.Tools.ToDictionary(t => t.Http!.Method + " " + t.Http.PathTemplate);

        var post = tools["POST /a/{x}/{y}"];
        Assert.Equal("same", post.Name);
        Assert.Equal("application/vnd.api+json", post.Http!.BodyContentType);
        Assert.Equal(
            ["x<-Path:x", "y<-Path:y", "X-Trace<-Header:X-Trace", "b<-Body:b", "body_x<-Body:x", "c<-Body:c"],
            post.Http.Parameters.Select(p => $"{p.Argument}<-{p.Location}:{p.Name}"));
        Assert.Equal(["x", "y", "c"], post.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.NotNull(post.OutputSchema);
        Assert.Contains(compilation.Diagnostics, d => d.Operation == "POST /a/{x}/{y}" && d.Code == "reference-unresolved" && d.Message.Contains("#/components/parameters/Missing", StringComparison.Ordinal));
        Assert.Contains(compilation.Diagnostics, d => d.Operation == "POST /a/{x}/{y}" && d.Code == "path-parameter-added" && d.Message.Contains("'y'", StringComparison.Ordinal));
        Assert.Contains(compilation.Diagnostics, d => d.Operation == "POST /a/{x}/{y}" && d.Code == "parameter-ignored" && d.Message.Contains("Accept", StringComparison.Ordinal));

        var get = tools["GET /b"];
        Assert.Equal("same_" + ToolNaming.ShortHash("GET /b"), get.Name);
        var properties = get.InputSchema.GetProperty("properties");
        Assert.Equal("integer", properties.GetProperty("sub").GetProperty("type").GetString());
        Assert.Equal("#/$defs/Cycle1", properties.GetProperty("cycle").GetProperty("$ref").GetString());
        Assert.True(get.InputSchema.GetProperty("$defs").TryGetProperty("Cycle2", out _));
        Assert.Contains(get.Http!.Parameters, p => p is { Argument: "filter_name", Name: "filter[name]" });
        var output = Assert.NotNull(get.OutputSchema);
        Assert.Equal("#/$defs/Tree", output.GetProperty("$ref").GetString());
        Assert.Equal("A tree", output.GetProperty("description").GetString());
        Assert.Contains(compilation.Diagnostics, d => d.Operation == "GET /b" && d.Code == "reference-unresolved" && d.Message.Contains("#/components/schemas/Nope", StringComparison.Ordinal));

        Assert.Equal("from_path_item", tools["GET /d"].Name);
        Assert.DoesNotContain(compilation.Tools, t => t.Name == "hook");
    }

    [Theory]
    [InlineData("{\"foo\": 1}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("null")]
    [InlineData("\"text\"")]
    public void Compile_JsonThatIsNotOpenApi_FailsWithoutThrowing(string text)
    {
        var compilation = Compile(text);

        Assert.False(compilation.Succeeded);
        Assert.Equal("document-unreadable", Assert.Single(compilation.Diagnostics).Code);
    }

    [Fact]
    public void Compile_SameSpecTwice_GivesSameHashesAndOptionsChangeThem()
    {
        var first = Compile(DealerSpec31);
        var second = Compile(DealerSpec31);
        var otherGateway = Compile(DealerSpec31, new OpenApiCompilerOptions { Gateway = "other" });

        Assert.Equal(first.Tools.Select(t => t.ContentHash), second.Tools.Select(t => t.ContentHash));
        Assert.All(first.Tools.Zip(otherGateway.Tools), pair => Assert.NotEqual(pair.First.ContentHash, pair.Second.ContentHash));
    }

    [Fact]
    public void Compile_LongDescription_IsCutWithEllipsis()
    {
        var spec = "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{\"/a\":{\"get\":{\"operationId\":\"getA\",\"summary\":\"Get  the\\t\\tthing\","
            + "\"description\":\"" + string.Concat(Enumerable.Repeat("word ", 100)) + "\",\"responses\":{\"200\":{\"description\":\"ok\"}}}}}}";

        var tool = Assert.Single(Compile(spec, new OpenApiCompilerOptions { MaxDescriptionLength = 100 }).Tools);

        Assert.Equal(100, tool.Description.Length);
        Assert.StartsWith("Get the thing\n\nword word", tool.Description, StringComparison.Ordinal);
        Assert.EndsWith("…", tool.Description, StringComparison.Ordinal);
        Assert.Equal("Get the thing", tool.Title);
    }

    [Fact]
    public void Compile_ToolWithoutDescriptions_GetsLintFindings()
    {
        var compilation = Compile("""
            {"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/v2/dealers/{id}":{"get":{
              "parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}},{"name":"q","in":"query","schema":{"type":"string"}}],
              "responses":{"200":{"description":"ok"}}}}}}
            """);

        var tool = Assert.Single(compilation.Tools);
        Assert.Equal("get_v2_dealers_by_id", tool.Name);
        Assert.Equal("dealers", tool.Domain);
        Assert.Equal("Calls GET /v2/dealers/{id}.", tool.Description);
        Assert.Contains(compilation.Lint, l => l.Code == "description-missing");
        var undocumented = Assert.Single(compilation.Lint, l => l.Code == "parameters-undocumented");
        Assert.Contains("id, q", undocumented.Message, StringComparison.Ordinal);
        Assert.Contains(compilation.Lint, l => l.Code == "name-changed" && l.Message.Contains("no operationId", StringComparison.Ordinal));
    }

    [Fact]
    public void Ctor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenApiToolCompiler(new OpenApiCompilerOptions { MaxSchemaDepth = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenApiToolCompiler(new OpenApiCompilerOptions { MaxDocumentBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenApiToolCompiler(new OpenApiCompilerOptions { MaxToolSchemaBytes = 1023 }));
        Assert.Throws<ArgumentException>(() => new OpenApiToolCompiler(new OpenApiCompilerOptions { ExecutorKind = " " }));
        Assert.Throws<ArgumentNullException>(() => new OpenApiToolCompiler(null!));
    }

    [Fact]
    public void Compile_ClassificationExtension_CopiedIntoTheInputSchemaForAuditRedaction()
    {
        var compilation = Compile("""
            openapi: 3.0.3
            info: {title: Customers, version: '1'}
            components:
              schemas:
                Contact:
                  type: object
                  properties:
                    email: {type: string, x-msil-classification: Personal}
                    label: {type: string}
            paths:
              /customers/{id}:
                put:
                  operationId: updateCustomer
                  parameters:
                    - {name: id, in: path, required: true, schema: {type: string}}
                    - {name: X-Card, in: header, schema: {type: string}, x-msil-classification: secret}
                  requestBody:
                    content:
                      application/json:
                        schema:
                          type: object
                          properties:
                            contact: {$ref: '#/components/schemas/Contact'}
                            note: {type: string, x-msil-classification: secret}
                  responses: {'200': {description: ok}}
            """);

        var tool = Assert.Single(compilation.Tools);
        var properties = tool.InputSchema.GetProperty("properties");
        var card = properties.EnumerateObject().Single(p => p.Name.Contains("card", StringComparison.OrdinalIgnoreCase)).Value;
        Assert.Equal("secret", card.GetProperty("x-msil-classification").GetString());
        Assert.Equal("secret", properties.GetProperty("note").GetProperty("x-msil-classification").GetString());
        Assert.False(properties.GetProperty("id").TryGetProperty("x-msil-classification", out _));
        Assert.Contains("\"x-msil-classification\":\"personal\"", tool.InputSchema.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_McpHeaderExtensionOnParameters_CopiedOntoTheArgumentsForSep2243()
    {
        var compilation = Compile("""
            openapi: 3.0.3
            info: {title: Orders, version: '1'}
            paths:
              /regions/{region}/orders:
                get:
                  operationId: listOrders
                  parameters:
                    - {name: region, in: path, required: true, schema: {type: string}, x-mcp-header: Region}
                    - {name: limit, in: query, schema: {type: integer}, x-mcp-header: Limit}
                    - {name: X-Tenant, in: header, schema: {type: string}, x-mcp-header: Tenant}
                    - {name: q, in: query, schema: {type: string}}
                  responses: {'200': {description: ok}}
            """);

        var tool = Assert.Single(compilation.Tools);
        var properties = tool.InputSchema.GetProperty("properties");
        Assert.Equal("Region", properties.GetProperty("region").GetProperty("x-mcp-header").GetString());
        Assert.Equal("Limit", properties.GetProperty("limit").GetProperty("x-mcp-header").GetString());
        var tenant = properties.EnumerateObject().Single(p => p.Name.Contains("tenant", StringComparison.OrdinalIgnoreCase)).Value;
        Assert.Equal("Tenant", tenant.GetProperty("x-mcp-header").GetString());
        Assert.False(properties.GetProperty("q").TryGetProperty("x-mcp-header", out _));
        Assert.DoesNotContain(compilation.Diagnostics, d => d.Code == "mcp-header-invalid");
    }

    [Theory]
    [InlineData("{name: score, in: query, schema: {type: number}, x-mcp-header: Score}", "property 'score'", "\"number\"")]
    [InlineData("{name: region, in: query, schema: {type: string}, x-mcp-header: 'My Region'}", "property 'region'", "' '")]
    [InlineData("{name: tags, in: query, schema: {type: array, items: {type: string}}, x-mcp-header: Tags}", "property 'tags'", "\"array\"")]
    [InlineData("{name: region, in: query, schema: {type: string}, x-mcp-header: {a: 1}}", "property 'region'", "a JSON object, not a string")]
    [InlineData("{name: region, in: query, schema: {type: string}, x-mcp-header: 42}", "property 'region'", "a JSON number, not a string")]
    public void Compile_InvalidMcpHeaderExtension_ImportsTheToolWithoutHeadersAndReportsIt(string parameter, string property, string problem)
    {
        var compilation = Compile($$$"""
            openapi: 3.0.3
            info: {title: Orders, version: '1'}
            paths:
              /orders:
                get:
                  operationId: listOrders
                  parameters:
                    - {name: tenant, in: query, schema: {type: string}, x-mcp-header: Tenant}
                    - {{{parameter}}}
                  responses: {'200': {description: ok}}
            """);

        var tool = Assert.Single(compilation.Tools);
        Assert.DoesNotContain("x-mcp-header", tool.InputSchema.GetRawText(), StringComparison.Ordinal);
        var diagnostic = Assert.Single(compilation.Diagnostics, d => d.Code == "mcp-header-invalid");
        Assert.Equal(CompileSeverity.Warning, diagnostic.Severity);
        Assert.False(diagnostic.Skipped);
        Assert.Contains("Tool 'list_orders'", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(property, diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(problem, diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("Fix:", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_DuplicateMcpHeaderNamesDifferingInCase_Refused()
    {
        var compilation = Compile("""
            openapi: 3.0.3
            info: {title: Orders, version: '1'}
            paths:
              /orders:
                get:
                  operationId: listOrders
                  parameters:
                    - {name: a, in: query, schema: {type: string}, x-mcp-header: MyField}
                    - {name: b, in: query, schema: {type: string}, x-mcp-header: myfield}
                  responses: {'200': {description: ok}}
            """);

        Assert.DoesNotContain("x-mcp-header", Assert.Single(compilation.Tools).InputSchema.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("already declared by property 'a'", Assert.Single(compilation.Diagnostics, d => d.Code == "mcp-header-invalid").Message, StringComparison.Ordinal);
    }

    private static OpenApiCompilation Compile(string text, OpenApiCompilerOptions? options = null) =>
        new OpenApiToolCompiler(options ?? new OpenApiCompilerOptions()).Compile(text, "test-spec");

    private static OpenApiCompilation CompileFile(string spec)
    {
        using var stream = File.OpenRead(OpenApiCorpus.PathOf(spec));
        return new OpenApiToolCompiler().Compile(stream, spec);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ToolNameRegex();

    /// <summary>A stream that cannot seek, like an HTTP request body.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
    }
}
