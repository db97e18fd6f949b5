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
