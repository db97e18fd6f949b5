namespace Msil.Mcp.IntegrationTests.Deployment;

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

    public static string ReferenceServer => Path.Combine(Root, "samples", "Msil.Mcp.ReferenceServer");

    public static string ReferenceServerProject => Path.Combine(ReferenceServer, "Msil.Mcp.ReferenceServer.csproj");

    public static string Kubernetes(string file) => Path.Combine(ReferenceServer, "deploy", "kustomize", "base", file);
}
