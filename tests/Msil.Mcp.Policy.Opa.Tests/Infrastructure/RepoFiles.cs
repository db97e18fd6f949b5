namespace Msil.Mcp.Policy.Opa.Tests.Infrastructure;

/// <summary>Finds files of the repository by walking up from the test's output folder to the one holding Msil.Mcp.Sdk.sln.</summary>
internal static class RepoFiles
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Msil.Mcp.Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Msil.Mcp.Sdk.sln; run the tests from the repository.");
    });

    public static string Root => RootPath.Value;

    /// <summary>The package's policies folder: the single source of the Rego files, data.json and cases.json.</summary>
    public static string Policies => Path.Combine(Root, "src", "Msil.Mcp.Policy.Opa", "policies");

    public static string Policy(string file) => Path.Combine(Policies, file);

    public static string Deploy(string file) => Path.Combine(Root, "samples", "Msil.Mcp.ReferenceServer", "deploy", "kustomize", "base", file);

    /// <summary>Reads a text file with line ends normalized to <c>\n</c>.</summary>
    public static string ReadText(string path) => File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
}
