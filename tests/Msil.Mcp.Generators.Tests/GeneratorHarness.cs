using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Generators.Tests;

/// <summary>Runs <see cref="MsilToolGenerator"/> over source text and compiles the result.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(ToolDefinition).Assembly.Location);
        paths.Add(typeof(IMsilMcpBuilder).Assembly.Location);
        return paths.Distinct(StringComparer.Ordinal).Where(File.Exists).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Parse);

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "GeneratorInput",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Input{i}.cs")),
        References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(bool track = false) => CSharpGeneratorDriver.Create(
        [new MsilToolGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    public static Result Run(params string[] sources)
    {
        var compilation = Compile(sources);
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var run = driver.GetRunResult();
        var generated = run.Results.SelectMany(r => r.GeneratedSources).ToImmutableArray();
        var compileDiagnostics = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
        return new Result(generated, diagnostics, compileDiagnostics);
    }

    internal sealed record Result(ImmutableArray<GeneratedSourceResult> Sources, ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<Diagnostic> CompileDiagnostics)
    {
        public string Source(string hintName) => Sources.Single(s => s.HintName == hintName).SourceText.ToString();
    }
}

/// <summary>
/// Compares text with a committed <c>Snapshots/*.verified.cs</c> file. On a mismatch it writes <c>*.received.cs</c> next
/// to it and fails with the first differing line; set <c>MSIL_ACCEPT_SNAPSHOTS=1</c> to accept the received text.
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name)
    {
        var directory = Path.Combine(MsilToolGeneratorTests.RepositoryRoot(), "tests", "Msil.Mcp.Generators.Tests", "Snapshots");
        var verified = Path.Combine(directory, name + ".verified.cs");
        var received = Path.Combine(directory, name + ".received.cs");
        actual = actual.ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable("MSIL_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(verified) ? File.ReadAllText(verified).ReplaceLineEndings("\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        if (expected is null)
        {
            Assert.Fail($"No snapshot {verified}; the generated text is in {received}. Review it, then run with MSIL_ACCEPT_SNAPSHOTS=1 to accept it.");
        }

        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var line = 0;
        while (line < e.Length && line < a.Length && e[line] == a[line])
        {
            line++;
        }

        Assert.Fail($"Generated text differs from {name}.verified.cs at line {line + 1}:\n  expected: {(line < e.Length ? e[line] : "<end of file>")}\n  actual:   {(line < a.Length ? a[line] : "<end of file>")}\n" +
            $"The full text is in {received}; run with MSIL_ACCEPT_SNAPSHOTS=1 to accept it.");
    }
}
