using System.Text.Json;
using Msil.Mcp.Cli;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Cli;

/// <summary>The <c>msil-mcp openapi</c> commands, run through the CLI's entry point.</summary>
public sealed class OpenApiCommandsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "msil-registry-cli", Guid.NewGuid().ToString("N"));

    public OpenApiCommandsTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Compile_Document_PrintsToolsAndReportExit0()
    {
        var file = Write("dealers.yaml", Specs.Dealers());

        var (code, output, _) = await RunAsync("openapi", "compile", file);

        Assert.Equal(0, code);
        Assert.Contains("3 operations, 3 tools", output, StringComparison.Ordinal);
        Assert.Contains("get_dealers", output, StringComparison.Ordinal);
        Assert.Contains("GET /v1/dealers", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compile_Json_PrintsParsableToolsAndReport()
    {
        var file = Write("odd.json", """
            {"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/up":{"post":{"operationId":"upload",
              "requestBody":{"required":true,"content":{"image/png":{"schema":{"type":"string","format":"binary"}}}},
              "responses":{"200":{"description":"ok"}}}},"/ok":{"get":{"operationId":"getOk","responses":{"200":{"description":"ok"}}}}}}
            """);

        var (code, output, _) = await RunAsync("openapi", "compile", file, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(2, json.RootElement.GetProperty("operations").GetInt32());
        Assert.Contains(json.RootElement.GetProperty("tools").EnumerateArray(), t => t.GetProperty("name").GetString() == "get_ok");
        Assert.NotEmpty(json.RootElement.GetProperty("report").EnumerateArray());
    }

    [Fact]
    public async Task Compile_Json_ToolsCarryTheSeedsEndpointMethodQueryParamsAndSourceSpec()
    {
        var file = Write("dealer-service-v1.yaml", Specs.Dealers());

        var (code, output, _) = await RunAsync("openapi", "compile", file, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var tool = json.RootElement.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "get_dealers");
        Assert.Equal("/v1/dealers", tool.GetProperty("api_endpoint").GetString());
        Assert.Equal("GET", tool.GetProperty("http_method").GetString());
        Assert.Equal(["region", "limit"], tool.GetProperty("query_params").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("dealer-service-v1.yaml", tool.GetProperty("source_spec").GetString());
    }

    [Fact]
    public async Task Diff_TwoVersions_PrintsAddedChangedRemoved()
    {
        var before = Write("v1.yaml", Specs.Dealers());
        var after = Write("v2.yaml", Specs.Dealers(listSummary: "New words", withDelete: false, withExtra: true));

        var (code, output, _) = await RunAsync("openapi", "diff", before, after);

        Assert.Equal(0, code);
        Assert.Contains("1 added, 1 changed, 1 removed, 1 unchanged", output, StringComparison.Ordinal);
        Assert.Contains("+ get_regions", output, StringComparison.Ordinal);
        Assert.Contains("~ get_dealers: description", output, StringComparison.Ordinal);
        Assert.Contains("- delete_dealer", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing.yaml", "cannot read")]
    [InlineData("broken.json", "not a readable OpenAPI document")]
    public async Task Compile_UnreadableDocument_NonZeroWithMessage(string name, string expected)
    {
        var file = name == "broken.json" ? Write(name, "{\"openapi\": \"3.0.3\", \"info\": {") : Path.Combine(_directory, name);

        var (code, _, error) = await RunAsync("openapi", "compile", file);

        Assert.NotEqual(0, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_UnreadableNewDocument_NonZero()
    {
        var (code, _, error) = await RunAsync("openapi", "diff", Write("v1.yaml", Specs.Dealers()), Write("v2.yaml", "not: [openapi"));

        Assert.Equal(2, code);
        Assert.Contains("v2.yaml", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openapi_WrongArguments_UsageExit2()
    {
        var (code, _, error) = await RunAsync("openapi", "compile");

        Assert.Equal(2, code);
        Assert.Contains("openapi compile <file>", error, StringComparison.Ordinal);
    }

    private const string Swagger2 = """
        {"swagger":"2.0","info":{"title":"t","version":"1"},"host":"api.example.com","basePath":"/v2","schemes":["https"],
         "paths":{"/orders":{"get":{"operationId":"listOrders","summary":"List all the orders of the shop","tags":["orders"],"schemes":["https"],
           "responses":{"200":{"description":"ok"}}}},
         "/admin/users/{id}":{"delete":{"operationId":"deleteUser","summary":"Delete one user of the shop","tags":["admin"],
           "parameters":[{"name":"id","in":"path","required":true,"type":"string","description":"User id"}],"responses":{"204":{"description":"ok"}}}},
         "/orders/{id}":{"delete":{"operationId":"deleteOrder","summary":"Delete one order of the shop","tags":["orders"],
           "parameters":[{"name":"id","in":"path","required":true,"type":"string","description":"Order id"}],"responses":{"204":{"description":"ok"}}}}}}
        """;

    [Fact]
    public async Task Lint_Swagger2WithSchemes_NoFindingExit0()
    {
        var (code, output, _) = await RunAsync("openapi", "lint", Write("sw.json", Swagger2));

        Assert.Equal(0, code);
        Assert.Contains("3 operations, 3 tools; 0 error(s), 0 warning(s)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("schemes", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_OperationError_Exit1AndJsonCounts()
    {
        var file = Write("bad.json", """
            {"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/up":{"post":{"operationId":"upload",
              "requestBody":{"required":true,"content":{"image/png":{"schema":{"type":"string","format":"binary"}}}},
              "responses":{"200":{"description":"ok"}}}}}}
            """);

        var (textCode, _, _) = await RunAsync("openapi", "lint", file);
        var (code, output, _) = await RunAsync("openapi", "lint", file, "--json");

        using var json = JsonDocument.Parse(output);
        var errors = json.RootElement.GetProperty("errors").GetInt32();
        Assert.Equal(errors > 0 ? 1 : 0, code);
        Assert.Equal(code, textCode);
        Assert.False(json.RootElement.TryGetProperty("tools", out _));
        Assert.NotEmpty(json.RootElement.GetProperty("report").EnumerateArray());
    }

    [Fact]
    public async Task Lint_WarningsOnly_Exit0()
    {
        var file = Write("warn.json", """
            {"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"operationId":"a","x-mcp-risk-level":"root","responses":{"200":{"description":"ok"}}}}}}
            """);

        var (code, output, _) = await RunAsync("openapi", "lint", file);

        Assert.Equal(0, code);
        Assert.Contains("risk-level-invalid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compile_SelectionOptions_FirstMatchDecidesAndReportCountsEachRule()
    {
        var file = Write("sw.json", Swagger2);

        var (code, output, _) = await RunAsync("openapi", "compile", file, "--exclude-path", "/admin/**", "--method", "DELETE", "--risk-level", "privileged", "--include-tag", "orders");

        Assert.Equal(0, code);
        Assert.Contains("3 operations, 2 tools", output, StringComparison.Ordinal);
        Assert.Matches(@"delete_order\s+privileged", output);
        Assert.Matches(@"list_orders\s+read", output);
        Assert.Contains("rule 0 (exclude path /admin/**): took 1, 2 left", output, StringComparison.Ordinal);
        Assert.Contains("rule 1 (include method DELETE as privileged): took 1, 1 left", output, StringComparison.Ordinal);
        Assert.Contains("rule 2 (include tag orders): took 1, 0 left", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compile_SelectionJson_CarriesTheSelection()
    {
        var (code, output, _) = await RunAsync("openapi", "compile", Write("sw.json", Swagger2), "--json", "--operation-id", "listOrders");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["list_orders"], json.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(2, json.RootElement.GetProperty("selection").GetProperty("excluded").GetInt32());
    }

    [Theory]
    [InlineData("--method", "GTE", "'GTE' is not an HTTP method")]
    [InlineData("--exclude-path", "admin", "must start with '/'")]
    [InlineData("--colour", "red", "unknown option '--colour'")]
    public async Task Compile_BadSelectionOption_UsageExit2(string option, string value, string expected)
    {
        var (code, _, error) = await RunAsync("openapi", "compile", Write("sw.json", Swagger2), option, value);

        Assert.Equal(2, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compile_RiskLevelAfterExclude_UsageExit2()
    {
        var (code, _, error) = await RunAsync("openapi", "compile", Write("sw.json", Swagger2), "--exclude-method", "DELETE", "--risk-level", "privileged");

        Assert.Equal(2, code);
        Assert.Contains("--risk-level follows the include rule", error, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}
