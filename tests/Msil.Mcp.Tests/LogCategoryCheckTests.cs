using Msil.Mcp.Conformance;

namespace Msil.Mcp.Tests;

/// <summary>The log-category rule of the conformance base (<see cref="LogCategoryCheck"/>) fails when it should.</summary>
public sealed class LogCategoryCheckTests
{
    private static readonly System.Reflection.Assembly Core = typeof(MsilMcpOptions).Assembly;

    [Fact]
    public void Check_CategoriesUnderTheDocumentedPrefix_FindsNothing()
    {
        var problems = LogCategoryCheck.Check(Core, ["Msil.Mcp"], ["Msil.Mcp.Pipeline.ToolCallPipeline", "Microsoft.Hosting.Lifetime"]);

        Assert.Empty(problems);
    }

    [Fact]
    public void Check_CategoryOfThePackageOutsideItsPrefixes_Fails()
    {
        // A category under the package's namespace that the documented prefixes do not cover.
        var problems = LogCategoryCheck.Check(Core, ["Msil.Mcp.Pipeline"], ["Msil.Mcp.Pipeline.ToolCallPipeline", "Msil.Mcp.Fake.Logger"]);

        Assert.Contains(problems, p => p.Contains("'Msil.Mcp.Fake.Logger'", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_TypeOfThePackageInAnotherNamespace_Fails()
    {
        // A type of the package whose full name is outside the prefix (its loggers are of that category).
        var outside = typeof(Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints).FullName!;
        var problems = LogCategoryCheck.Check(Core, ["Msil.Mcp"], ["Msil.Mcp.Pipeline.ToolCallPipeline", outside]);

        Assert.Contains(problems, p => p.Contains($"'{outside}'", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_NoLoggerCreated_Fails()
    {
        var problems = LogCategoryCheck.Check(Core, ["Msil.Mcp"], ["Microsoft.Hosting.Lifetime"]);

        Assert.Contains(problems, p => p.Contains("created no logger", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_TypeTakingAFrameworkLogger_Fails()
    {
        // This assembly's FrameworkLoggerTaker takes ILogger<HttpClient>: a category outside the documented prefix.
        var problems = LogCategoryCheck.Check(typeof(LogCategoryCheckTests).Assembly, ["Msil.Mcp.Tests"], ["Msil.Mcp.Tests.Something"]);

        Assert.Contains(problems, p => p.Contains("FrameworkLoggerTaker takes ILogger<System.Net.Http.HttpClient>", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadTable_TheDocumentedTable_GivesEveryPackageItsPrefixes()
    {
        var table = LogCategoryCheck.ReadTable(File.ReadAllLines(LogCategoryCheck.FindDocument()));

        foreach (var package in MsilMcpTelemetry.SourceNames.Where(n => n != MsilMcpTelemetry.McpSdkName))
        {
            Assert.True(table.ContainsKey(package), $"docs/telemetry.md has no log-category row for {package}");
        }

        Assert.Equal(["Msil.Mcp.Auth"], table["Msil.Mcp.Auth"]);
    }

    [Fact]
    public void ReadTable_RowWithTwoPrefixes_ReadsBoth()
    {
        string[] lines =
        [
            "## Logs",
            "### Log categories",
            "",
            "| Package | Category prefixes |",
            "|---|---|",
            "| `Msil.Mcp.Example` | `Msil.Mcp.Example`, `Msil.Mcp.Example2` |",
            "",
            "| `Msil.Mcp.NotInTheTable` | `X` |",
        ];

        var table = LogCategoryCheck.ReadTable(lines);

        Assert.Equal(["Msil.Mcp.Example", "Msil.Mcp.Example2"], table["Msil.Mcp.Example"]);
        Assert.False(table.ContainsKey("Msil.Mcp.NotInTheTable"));
    }

    /// <summary>A type taking a logger of a framework category (what the check must refuse in a package).</summary>
    internal sealed class FrameworkLoggerTaker(Microsoft.Extensions.Logging.ILogger<HttpClient> logger)
    {
        public Microsoft.Extensions.Logging.ILogger Logger => logger;
    }
}
