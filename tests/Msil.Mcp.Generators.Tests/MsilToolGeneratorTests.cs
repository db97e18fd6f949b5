using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Msil.Mcp.Generators.Tests;

public sealed class MsilToolGeneratorTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.ComponentModel;
        using System.ComponentModel.DataAnnotations;
        using System.Threading;
        using System.Threading.Tasks;
        using Msil.Mcp.Abstractions;
        using Msil.Mcp.Abstractions.Tools;

        """;

    private const string SnapshotSource = Usings + """
        namespace Shop;

        public enum Status { Open, Closed }

        /// <summary>A node of a tree.</summary>
        public sealed class Node
        {
            public string Name { get; set; } = "";
            public List<Node>? Children { get; set; }
        }

        public sealed record Item([property: Required, StringLength(20, MinimumLength = 1)] string Sku, [property: Range(1, 10)] int Quantity, decimal? Price = null);

        public sealed record Receipt(Guid Id, DateTimeOffset At, Status Status, IReadOnlyList<Item> Items);

        public interface IClock { DateTimeOffset Now { get; } }

        [MsilToolClass(Domain = "shop")]
        public partial class ShopTools(IClock clock)
        {
            /// <summary>Buys <paramref name="items"/> for a customer.</summary>
            /// <param name="customer">The customer's name.</param>
            /// <param name="items">What to buy.</param>
            /// <param name="status">The initial status.</param>
            [MsilTool(RiskLevel.Write, Title = "Buy", Idempotent = true, TaskSupport = ToolTaskSupport.Optional)]
            public async Task<Receipt> BuyAsync([RegularExpression("^[a-z]+$")] string customer, [MinLength(1)] Item[] items, CallerIdentity caller, Status status = Status.Open, CancellationToken cancellationToken = default)
            {
                await Task.Yield();
                return new Receipt(Guid.Empty, clock.Now, status, items);
            }

            /// <summary>Counts nodes.</summary>
            /// <param name="root">The tree.</param>
            /// <param name="limit">The most to count.</param>
            [MsilTool(RiskLevel.Read)]
            public static int CountNodes(Node root, int? limit) => 1;

            [Description("Says hello.")]
            [MsilTool(RiskLevel.Read, Name = "say-hello")]
            public static string Hello(string name, Guid? id, DateOnly day, [FromServices] IClock clock) => "hello " + name;

            /// <summary>Forgets everything.</summary>
            [MsilTool(RiskLevel.Privileged)]
            public ValueTask ForgetAsync(IServiceProvider services) => default;
        }
        """;

    [Fact]
    public void Generate_ShopTools_MatchesSnapshot()
    {
        var result = GeneratorHarness.Run(SnapshotSource);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileDiagnostics);
        Snapshot.Match(result.Source("Shop.ShopTools.MsilTools.g.cs"), "ShopTools");
    }

    [Fact]
    public void Generate_GlobalNamespaceStaticClass_CompilesAndMatchesSnapshot()
    {
        var result = GeneratorHarness.Run(Usings + """
            public static partial class MathTools
            {
                /// <summary>Adds two numbers.</summary>
                [MsilTool(RiskLevel.Read)]
                public static long AddNumbers(long a, long b = 2) => a + b;
            }
            """);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileDiagnostics);
        Snapshot.Match(result.Source("MathTools.MsilTools.g.cs"), "MathTools");
    }

    [Fact]
    public void Generate_DescriptionWithLineSeparatorsAndQuotes_StillCompiles()
    {
        // U+2028, U+2029 and U+0085 end a line inside a C# literal: a description carrying them must neither break the
        // generated code nor lose its quotes and backslashes (descriptions are whitespace-normalised on the way).
        var result = GeneratorHarness.Run(Usings + """
            public static partial class OddTools
            {
                [MsilTool(RiskLevel.Read)]
                [System.ComponentModel.Description("Reads \"odd\" text:\u2028next\u2029para\u0085end\\.")]
                public static string ReadOdd([System.ComponentModel.Description("tab\there")] string value) => value;
            }
            """);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileDiagnostics);
        var source = result.Source("OddTools.MsilTools.g.cs");
        Assert.Contains("Description = \"Reads \\\"odd\\\" text: next para end\\\\.\",", source, StringComparison.Ordinal);
        Assert.DoesNotContain("\u2028", source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GetOrderAsync", "get_order")]
    [InlineData("GetHTTPStatus", "get_http_status")]
    [InlineData("Add", "add")]
    [InlineData("Purge2Orders", "purge2_orders")]
    public void SnakeCase_MethodName_IsToolName(string method, string expected)
        => Assert.Equal(expected, ToolParser.SnakeCase(method));

    [Fact]
    public void Diagnostic_ClassNotPartial_MSILGEN001()
        => AssertDiagnostic("MSILGEN001", """
            public class T { /// <summary>x</summary>
            [MsilTool(RiskLevel.Read)] public static int A() => 1; }
            """);

    [Fact]
    public void Diagnostic_UnsupportedParameterType_MSILGEN002()
        => AssertDiagnostic("MSILGEN002", """
            public partial class T { /// <summary>x</summary>
            [MsilTool(RiskLevel.Read)] public static int A(Dictionary<string, int> map) => 1; }
            """);

    [Fact]
    public void Diagnostic_UnsupportedReturnType_MSILGEN003()
        => AssertDiagnostic("MSILGEN003", """
            public partial class T { /// <summary>x</summary>
            [MsilTool(RiskLevel.Read)] public static object A() => 1; }
            """);

    [Fact]
    public void Diagnostic_DuplicateToolName_MSILGEN004()
        => AssertDiagnostic("MSILGEN004", """
            public partial class T {
            /// <summary>x</summary>
            [MsilTool(RiskLevel.Read, Name = "same")] public static int A() => 1;
            /// <summary>y</summary>
            [MsilTool(RiskLevel.Read, Name = "same")] public static int B() => 1; }
            """);

    [Fact]
    public void Diagnostic_InvalidToolName_MSILGEN005()
        => AssertDiagnostic("MSILGEN005", """
            public partial class T { /// <summary>x</summary>
            [MsilTool(RiskLevel.Read, Name = "no spaces!")] public static int A() => 1; }
            """);

    [Fact]
    public void Diagnostic_ToolNameTooLong_MSILGEN006()
        => AssertDiagnostic("MSILGEN006", """
            public partial class T { /// <summary>x</summary>
            [MsilTool(RiskLevel.Read, Name = "a123456789a123456789a123456789a123456789a123456789a123456789abcde")] public static int A() => 1; }
            """);

    [Fact]
    public void Diagnostic_AsyncVoid_MSILGEN007()
        => AssertDiagnostic("MSILGEN007", """
            public partial class T { /// <summary>x</summary>
            [MsilTool(RiskLevel.Write)] public static async void A() => await Task.Yield(); }
            """);

    [Fact]
    public void Diagnostic_MissingDescription_MSILGEN008IsAWarningAndToolIsStillGenerated()
    {
        var result = GeneratorHarness.Run(Usings + """
            public partial class T { [MsilTool(RiskLevel.Read)] public static int A() => 1; }
            """);

        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("MSILGEN008", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Single(result.Sources);
    }

    [Fact]
    public void Diagnostic_NestedClass_MSILGEN009()
        => AssertDiagnostic("MSILGEN009", """
            public partial class Outer { public partial class T { /// <summary>x</summary>
            [MsilTool(RiskLevel.Read)] public static int A() => 1; } }
            """);

    [Fact]
    public void Diagnostic_GenericMethod_MSILGEN010()
        => AssertDiagnostic("MSILGEN010", """
            public partial class T { /// <summary>x</summary>
            [MsilTool(RiskLevel.Read)] public static int A<TValue>() => 1; }
            """);

    [Fact]
    public void Diagnostic_RefParameter_MSILGEN011()
        => AssertDiagnostic("MSILGEN011", """
            public partial class T { /// <summary>x</summary>
            [MsilTool(RiskLevel.Read)] public static int A(ref int value) => value; }
            """);

    [Fact]
    public void Generate_HeaderParameters_EmitsXMcpHeaderAndMatchesSnapshot()
    {
        // [MsilHeader] is ours; the SDK's [McpHeader] is recognised by its metadata name.
        var result = GeneratorHarness.Run(Usings + """
            namespace Geo
            {
                public enum Tier { Free, Paid }

                public static partial class RegionTools
                {
                    /// <summary>Finds places in a region.</summary>
                    /// <param name="region">The region to search.</param>
                    /// <param name="query">What to look for.</param>
                    [MsilTool(RiskLevel.Read)]
                    public static string FindPlaces(
                        [MsilHeader("Region")] string region,
                        string query,
                        [MsilHeader("Limit")] int? limit = null,
                        [ModelContextProtocol.Server.McpHeader("Exact")] bool exact = false,
                        [MsilHeader("Tier")] Tier tier = Tier.Free) => region + query;
                }
            }
            """);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileDiagnostics);
        var source = result.Source("Geo.RegionTools.MsilTools.g.cs");
        Assert.Contains("\\\"region\\\":{\\\"type\\\":\\\"string\\\",\\\"description\\\":\\\"The region to search.\\\",\\\"x-mcp-header\\\":\\\"Region\\\"}", source, StringComparison.Ordinal);
        Snapshot.Match(source, "RegionTools");
    }

    [Theory]
    [InlineData("[MsilHeader(\"My Region\")] string region", "contains ' '")]
    [InlineData("[MsilHeader(\"\")] string region", "empty")]
    [InlineData("[MsilHeader(\"Score\")] double region", "'number'")]
    [InlineData("[MsilHeader(\"Tags\")] string[] region", "'array'")]
    [InlineData("[MsilHeader(\"Item\")] Item region", "'object'")]
    [InlineData("[MsilHeader(\"Region\")] string region, [MsilHeader(\"region\")] string other", "already used by parameter 'region'")]
    [InlineData("string region, [MsilHeader(\"Caller\")] CallerIdentity caller", "not a tool argument")]
    public void Diagnostic_InvalidHeader_MSILGEN012(string parameters, string reason)
    {
        var result = GeneratorHarness.Run(Usings + $$"""
            public sealed record Item(string Sku);
            public partial class T { /// <summary>x</summary>
            [MsilTool(RiskLevel.Read)] public static int A({{parameters}}) => 1; }
            """);

        var diagnostic = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "MSILGEN012");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("Input0.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Contains(reason, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.DoesNotContain(result.Sources, s => s.HintName == "T.MsilTools.g.cs");
    }

    [Fact]
    public void Diagnostics_AreDocumented()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics.md"));
        for (var i = 1; i <= 12; i++)
        {
            Assert.Contains($"MSILGEN{i:000}", docs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Incremental_EditOutsideToolClass_ReusesCachedSteps()
    {
        var tools = Usings + """
            namespace Shop;
            public partial class ShopTools
            {
                /// <summary>Adds.</summary>
                [MsilTool(RiskLevel.Read)] public static int Add(int a, int b) => a + b;
            }
            """;
        var other = "namespace Shop; public class Other { public int X => 1; }";
        var compilation = GeneratorHarness.Compile(tools, other);
        var driver = GeneratorHarness.CreateDriver(track: true).RunGenerators(compilation, TestContext.Current.CancellationToken);

        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("namespace Shop; public class Other { public int X => 2; public int Y => 3; }", GeneratorHarness.ParseOptions, path: "Input1.cs", cancellationToken: TestContext.Current.CancellationToken));
        driver = driver.RunGenerators(edited, TestContext.Current.CancellationToken);

        var run = driver.GetRunResult().Results.Single();
        var methods = run.TrackedSteps[MsilToolGenerator.StepNames.ToolMethods].SelectMany(s => s.Outputs).ToList();
        var classes = run.TrackedSteps[MsilToolGenerator.StepNames.ToolClasses].SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(methods);
        Assert.All(methods, o => Assert.Contains(o.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
        Assert.All(classes, o => Assert.Contains(o.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
        Assert.All(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Incremental_EditOfToolMethod_RegeneratesIt()
    {
        var compilation = GeneratorHarness.Compile(Usings + """
            public partial class T { /// <summary>Adds.</summary>
            [MsilTool(RiskLevel.Read)] public static int Add(int a, int b) => a + b; }
            """);
        var driver = GeneratorHarness.CreateDriver(track: true).RunGenerators(compilation, TestContext.Current.CancellationToken);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText(Usings + """
            public partial class T { /// <summary>Adds two.</summary>
            [MsilTool(RiskLevel.Read)] public static int Add(int a, int b) => a + b; }
            """, GeneratorHarness.ParseOptions, path: "Input0.cs", cancellationToken: TestContext.Current.CancellationToken));
        driver = driver.RunGenerators(edited, TestContext.Current.CancellationToken);

        var run = driver.GetRunResult().Results.Single();
        Assert.Contains(run.TrackedSteps[MsilToolGenerator.StepNames.ToolMethods].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Adds two.", run.GeneratedSources.Single().SourceText.ToString(), StringComparison.Ordinal);
    }

    private static void AssertDiagnostic(string id, string source)
    {
        var result = GeneratorHarness.Run(Usings + source);
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == id && d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().Path == "Input0.cs");
    }

    /// <summary>
    /// The folder holding Msil.Mcp.Sdk.sln, found by walking up from the test's output folder (a deterministic CI
    /// build maps source paths to <c>/_/</c>, so <c>[CallerFilePath]</c> cannot be used to find files).
    /// </summary>
    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Msil.Mcp.Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Msil.Mcp.Sdk.sln; run the tests from the repository.");
    }
}
