using Microsoft.Extensions.Logging.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry.Tests.OpenApi;

/// <summary>Operation selection (<see cref="OpenApiCompilerOptions.Select"/>): which operations become tools, at which risk level.</summary>
public sealed class OperationSelectionTests
{
    private const string Shop = """
        openapi: 3.0.3
        info: {title: Shop, version: "1"}
        paths:
          /v1/orders:
            get: {operationId: listOrders, tags: [orders], responses: {'200': {description: ok}}}
            post: {operationId: createOrder, tags: [orders], responses: {'201': {description: ok}}}
          /v1/orders/{id}:
            get: {operationId: getOrder, tags: [orders], parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: {'200': {description: ok}}}
            delete: {operationId: deleteOrder, tags: [orders], parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: {'204': {description: ok}}}
          /admin/users:
            get: {operationId: listUsers, tags: [admin], responses: {'200': {description: ok}}}
          /admin/users/{id}:
            delete: {operationId: deleteUser, tags: [admin], x-mcp-risk-level: write, parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: {'204': {description: ok}}}
          /v1/search:
            post: {operationId: search, x-mcp-risk-level: privileged, responses: {'200': {description: ok}}}
        """;

    [Fact]
    public void Compile_NoRules_EveryOperationAToolAndNoReport()
    {
        var compilation = Compile();

        Assert.Equal(7, compilation.Tools.Count);
        Assert.Null(compilation.Selection);
        Assert.Equal(7, compilation.SelectedOperationCount);
    }

    [Fact]
    public void Compile_ExcludeOnly_UnmatchedOperationsIncluded()
    {
        var compilation = Compile(Rule(OperationSelectionAction.Exclude, paths: ["/admin/**"]));

        Assert.Equal(["create_order", "delete_order", "get_order", "list_orders", "search"], Names(compilation));
        Assert.Equal(7, compilation.OperationCount);
        Assert.Equal(5, compilation.SelectedOperationCount);
        var report = compilation.Selection!;
        Assert.Equal(OperationSelectionAction.Include, report.DefaultAction);
        Assert.Equal(2, report.Excluded);
        Assert.Equal((2, 5), (report.Rules[0].Taken, report.Rules[0].Left));
        Assert.Equal(5, report.DefaultTaken);
    }

    [Fact]
    public void Compile_IncludeByTag_EverythingElseLeftOut()
    {
        var compilation = Compile(Rule(OperationSelectionAction.Include, tags: ["orders"]));

        Assert.Equal(["create_order", "delete_order", "get_order", "list_orders"], Names(compilation));
        Assert.Equal(OperationSelectionAction.Exclude, compilation.Selection!.DefaultAction);
        Assert.Equal(3, compilation.Selection.Excluded);
    }

    [Fact]
    public void Compile_FirstMatchDecides_ExcludeBeforeIncludeCarvesOut()
    {
        var excludeFirst = Compile(
            Rule(OperationSelectionAction.Exclude, methods: ["delete"]),
            Rule(OperationSelectionAction.Include, tags: ["orders"]));
        var includeFirst = Compile(
            Rule(OperationSelectionAction.Include, tags: ["orders"]),
            Rule(OperationSelectionAction.Exclude, methods: ["DELETE"]));

        Assert.Equal(["create_order", "get_order", "list_orders"], Names(excludeFirst));
        Assert.Equal(["create_order", "delete_order", "get_order", "list_orders"], Names(includeFirst));
        Assert.Equal((1, 2), (includeFirst.Selection!.Rules[1].Taken, includeFirst.Selection.Rules[1].Left));
    }

    [Fact]
    public void Compile_ByOperationIdAndMethod_AllCriteriaMustMatch()
    {
        var compilation = Compile(Rule(OperationSelectionAction.Include, methods: ["GET"], operationIds: ["getOrder", "deleteOrder"]));

        Assert.Equal(["get_order"], Names(compilation));
    }

    [Theory]
    [InlineData("/v1/orders/*", new[] { "delete_order", "get_order" })]
    [InlineData("/v1/*", new[] { "create_order", "list_orders", "search" })]
    [InlineData("/v1/**", new[] { "create_order", "delete_order", "get_order", "list_orders", "search" })]
    [InlineData("/admin/**", new[] { "delete_user", "list_users" })]
    [InlineData("/v1/orders/{id}", new[] { "delete_order", "get_order" })]
    [InlineData("/v?/search", new[] { "search" })]
    public void Compile_PathGlob_MatchesSegments(string pattern, string[] expected)
    {
        Assert.Equal(expected, Names(Compile(Rule(OperationSelectionAction.Include, paths: [pattern]))));
    }

    [Fact]
    public void Compile_RuleRiskLevel_ReplacesMethodDefaultAndRaisesButNeverLowersTheDocumentsLevel()
    {
        var compilation = Compile(
            Rule(OperationSelectionAction.Include, methods: ["DELETE"], risk: "privileged"),
            Rule(OperationSelectionAction.Include, paths: ["/v1/search"], risk: "read"),
            Rule(OperationSelectionAction.Include));

        var risk = compilation.Tools.ToDictionary(t => t.Name, t => t.RiskLevel);
        Assert.Equal(RiskLevel.Privileged, risk["delete_order"]);
        Assert.Equal(RiskLevel.Privileged, risk["delete_user"]); // x-mcp-risk-level: write, raised by the rule
        Assert.Equal(RiskLevel.Privileged, risk["search"]); // x-mcp-risk-level: privileged is not lowered to read
        Assert.Equal(RiskLevel.Write, risk["create_order"]);
        Assert.Equal(RiskLevel.Read, risk["list_orders"]);
    }

    [Fact]
    public void Compile_RuleThatMatchesNothing_WarningNamingTheRule()
    {
        var compilation = Compile(
            Rule(OperationSelectionAction.Include, tags: ["orders"]),
            Rule(OperationSelectionAction.Exclude, tags: ["Orders"]));

        var warning = Assert.Single(compilation.Diagnostics, d => d.Code == "selection-rule-unmatched");
        Assert.Equal(CompileSeverity.Warning, warning.Severity);
        Assert.Contains("rule 1 (exclude tag Orders)", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_Selection_NamesDoNotDependOnIt()
    {
        var all = Compile().Tools.ToDictionary(t => t.Name, t => t.ContentHash);
        var some = Compile(Rule(OperationSelectionAction.Include, tags: ["admin"]));

        Assert.All(some.Tools, t => Assert.Equal(all[t.Name], t.ContentHash));
    }

    [Fact]
    public void Constructor_InvalidRule_ArgumentExceptionNamingTheField()
    {
        var options = new OpenApiCompilerOptions();
        options.Select.Add(Rule(OperationSelectionAction.Include, methods: ["FETCH"]));

        var ex = Assert.Throws<ArgumentException>(() => new OpenApiToolCompiler(options));

        Assert.Contains("Select:0:Methods:0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadRules_OneProblemPerFieldNamingTheKey()
    {
        var problems = OperationSelector.Validate(
            [
                Rule(OperationSelectionAction.Include, methods: ["GTE"]),
                Rule(OperationSelectionAction.Exclude, paths: [" "], risk: "privileged"),
                Rule(OperationSelectionAction.Include, paths: ["admin/**"], risk: "root"),
                Rule(OperationSelectionAction.Include, tags: ["a"]),
            ],
            "Msil:Mcp:Registry:Sources:0:Select");

        Assert.Collection(
            problems,
            p => Assert.StartsWith("Msil:Mcp:Registry:Sources:0:Select:0:Methods:0: 'GTE' is not an HTTP method", p, StringComparison.Ordinal),
            p => Assert.StartsWith("Msil:Mcp:Registry:Sources:0:Select:1:Paths:0 is empty", p, StringComparison.Ordinal),
            p => Assert.StartsWith("Msil:Mcp:Registry:Sources:0:Select:1:RiskLevel is set on an exclude rule", p, StringComparison.Ordinal),
            p => Assert.StartsWith("Msil:Mcp:Registry:Sources:0:Select:2:Paths:0: 'admin/**' must start with '/'", p, StringComparison.Ordinal),
            p => Assert.StartsWith("Msil:Mcp:Registry:Sources:0:Select:2:RiskLevel: 'root' is not a risk level", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_PublicEntryPoint_SameProblemsAndEmptyForValidRules()
    {
        var problems = OperationSelectionRule.Validate([Rule(OperationSelectionAction.Include, methods: ["FETCH"])], "rule");

        Assert.StartsWith("rule:0:Methods:0: 'FETCH' is not an HTTP method", Assert.Single(problems), StringComparison.Ordinal);
        Assert.Empty(OperationSelectionRule.Validate([Rule(OperationSelectionAction.Include, methods: ["get"], risk: "write")], "rule"));
        Assert.Throws<ArgumentNullException>(() => OperationSelectionRule.Validate(null!, "rule"));
    }

    [Fact]
    public void ToString_Rule_ShortForm()
    {
        Assert.Equal("include tag orders or sales, method DELETE as privileged", Rule(OperationSelectionAction.Include, tags: ["orders", "sales"], methods: ["DELETE"], risk: "privileged").ToString());
        Assert.Equal("exclude every operation", Rule(OperationSelectionAction.Exclude).ToString());
    }

    internal static OperationSelectionRule Rule(
        OperationSelectionAction action, string[]? tags = null, string[]? paths = null, string[]? methods = null, string[]? operationIds = null, string? risk = null)
    {
        var rule = new OperationSelectionRule { Action = action, RiskLevel = risk };
        foreach (var t in tags ?? [])
        {
            rule.Tags.Add(t);
        }

        foreach (var p in paths ?? [])
        {
            rule.Paths.Add(p);
        }

        foreach (var m in methods ?? [])
        {
            rule.Methods.Add(m);
        }

        foreach (var o in operationIds ?? [])
        {
            rule.OperationIds.Add(o);
        }

        return rule;
    }

    private static OpenApiCompilation Compile(params OperationSelectionRule[] rules)
    {
        var options = new OpenApiCompilerOptions();
        foreach (var rule in rules)
        {
            options.Select.Add(rule);
        }

        var compilation = new OpenApiToolCompiler(options).Compile(Shop, "shop");
        Assert.True(compilation.Succeeded);
        return compilation;
    }

    private static string[] Names(OpenApiCompilation compilation) => [.. compilation.Tools.Select(t => t.Name).Order(StringComparer.Ordinal)];
}

/// <summary>The selection as configuration binds it (<c>Msil:Mcp:Registry:Sources:N:Select:M</c>), checked at start and logged per rule.</summary>
public sealed class OperationSelectionConfigurationTests
{
    [Fact]
    public void Bind_SelectSection_RulesInOrderAndValidatorNamesTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sources:0:Name"] = "shop",
            ["Sources:0:Path"] = "shop.yaml",
            ["Sources:0:Select:0:Action"] = "Exclude",
            ["Sources:0:Select:0:Paths:0"] = "/admin/**",
            ["Sources:0:Select:1:Methods:0"] = "DELETE",
            ["Sources:0:Select:1:RiskLevel"] = "privileged",
            ["Sources:0:Select:2:Methods:0"] = "GTE",
        }).Build();
        var options = new ToolRegistryOptions();
        configuration.Bind(options);

        var rules = options.Sources[0].Select;
        Assert.Equal(["exclude path /admin/**", "include method DELETE as privileged", "include method GTE"], rules.Select(r => r.ToString()));
        var result = new ToolRegistryOptionsValidator().Validate(null, options);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Msil:Mcp:Registry:Sources:0:Select:2:Methods:0: 'GTE' is not an HTTP method", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void LogSelection_UnmatchedRule_WarningNamingTheKey()
    {
        var logger = new FakeLogger();
        var report = new OperationSelectionReport(
            [new SelectionRuleOutcome(0, "include tag orders", OperationSelectionAction.Include, 4, 3), new SelectionRuleOutcome(1, "exclude tag Orders", OperationSelectionAction.Exclude, 0, 3)],
            OperationSelectionAction.Exclude,
            3,
            3);

        StartupImporter.LogSelection(logger, "shop", 2, report);

        var warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Equal(2100, warning.Id.Id);
        Assert.StartsWith("Msil:Mcp:Registry:Sources:2:Select:1 (exclude tag Orders) matches no operation of source 'shop'", warning.Message, StringComparison.Ordinal);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message.StartsWith("Msil:Mcp:Registry:Sources:2:Select:0 (include tag orders) took 4 operation(s); 3 left", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_SourceWithSelection_ServesOnlyTheSelectedToolsAtTheRulesRiskLevel()
    {
        var file = Path.Combine(Path.GetTempPath(), "msil-registry-tests", Guid.NewGuid().ToString("N") + ".yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, Support.Specs.Dealers(), TestContext.Current.CancellationToken);
        try
        {
            await using var host = await Support.RegistryTestHost.StartAsync(o =>
            {
                var source = new OpenApiSourceOptions { Name = "dealers", Path = file };
                source.Select.Add(OperationSelectionTests.Rule(OperationSelectionAction.Exclude, methods: ["POST"]));
                source.Select.Add(OperationSelectionTests.Rule(OperationSelectionAction.Include, methods: ["DELETE"], risk: "privileged"));
                source.Select.Add(OperationSelectionTests.Rule(OperationSelectionAction.Include, paths: ["/v1/**"]));
                o.Sources.Add(source);
            });

            var tools = host.Catalog.Current.Tools;
            Assert.Equal(["delete_dealer", "get_dealers"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
            Assert.Equal(RiskLevel.Privileged, tools.Single(t => t.Name == "delete_dealer").RiskLevel);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
