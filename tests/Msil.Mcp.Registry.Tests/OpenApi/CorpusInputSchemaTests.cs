using Msil.Mcp.Registry.OpenApi;
using Msil.Mcp.Validation;

namespace Msil.Mcp.Registry.Tests.OpenApi;

/// <summary>
/// Every tool the OpenAPI compiler makes from the real-world corpus has an input schema the core's validator accepts:
/// a keyword the validator refuses would leave those tools out of the catalog.
/// </summary>
public sealed class CorpusInputSchemaTests
{
    public static TheoryData<string> CorpusSpecs() => OpenApiCorpus.SpecNames();

    [Theory]
    [MemberData(nameof(CorpusSpecs))]
    public void Compile_CorpusSpec_EveryInputSchemaCompilesInTheValidator(string spec)
    {
        OpenApiCompilation compilation;
        using (var stream = File.OpenRead(OpenApiCorpus.PathOf(spec)))
        {
            compilation = new OpenApiToolCompiler().Compile(stream, spec);
        }

        Assert.NotEmpty(compilation.Tools);
        var refused = new List<string>();
        foreach (var tool in compilation.Tools)
        {
            try
            {
                _ = JsonSchemaValidator.Compile(tool.InputSchema);
            }
            catch (ArgumentException ex)
            {
                refused.Add($"{tool.Name}: {ex.Message}");
            }
        }

        Assert.True(refused.Count == 0, string.Join(Environment.NewLine, refused.Take(20)));
    }
}
