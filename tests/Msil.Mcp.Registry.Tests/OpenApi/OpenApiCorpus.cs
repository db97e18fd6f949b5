using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi.YamlReader;
using SharpYaml.Serialization;

namespace Msil.Mcp.Registry.Tests.OpenApi;

/// <summary>Finds the shared OpenAPI corpus (<c>../shared/openapi-corpus</c> next to the repository) and counts operations independently.</summary>
internal static class OpenApiCorpus
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace", "query"];

    private static readonly Lazy<string> SpecsDirectory = new(FindSpecsDirectory);

    /// <summary>Gets the directory that holds the corpus specs.</summary>
    public static string Specs => SpecsDirectory.Value;

    /// <summary>Gets the file names of every spec in the corpus, for theories.</summary>
    public static TheoryData<string> SpecNames()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Specs).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            data.Add(file!);
        }

        return data;
    }

    /// <summary>Returns the full path of a corpus spec.</summary>
    public static string PathOf(string name) => Path.Combine(Specs, name);

    /// <summary>Counts the operations of a spec from its raw JSON or YAML, without Microsoft.OpenApi's document model.</summary>
    public static int CountOperations(string name)
    {
        var path = PathOf(name);
        JsonNode? root;
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            root = JsonNode.Parse(File.ReadAllBytes(path), documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }
        else
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            root = YamlConverter.ToJsonNode(stream.Documents[0]);
        }

        if (root?["paths"] is not JsonObject paths)
        {
            return 0;
        }

        var count = 0;
        foreach (var (_, item) in paths)
        {
            if (item is JsonObject operations)
            {
                count += operations.Count(p => Methods.Contains(p.Key, StringComparer.Ordinal) && p.Value is JsonObject);
            }
        }

        return count;
    }

    private static string FindSpecsDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Msil.Mcp.Sdk.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException(
                $"The repository root (the folder containing Msil.Mcp.Sdk.sln) was not found above {AppContext.BaseDirectory}; the OpenAPI corpus is looked up relative to it.");
        }

        var specs = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "openapi-corpus", "specs"));
        if (!Directory.Exists(specs) || Directory.GetFiles(specs).Length == 0)
        {
            throw new InvalidOperationException(
                $"The OpenAPI corpus was not found at {specs}. It is expected in ../shared/openapi-corpus/specs next to the repository root ({directory.FullName}); put the corpus there to run these tests.");
        }

        return specs;
    }
}
