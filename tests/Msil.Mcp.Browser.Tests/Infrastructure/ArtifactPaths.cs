namespace Msil.Mcp.Browser.Tests.Infrastructure;

/// <summary>Where the tests write screenshots and logs: <c>artifacts/</c> at the repository root.</summary>
public static class ArtifactPaths
{
    /// <summary>Gets the repository's <c>artifacts</c> folder (found above the test output), or the output folder's own when there is none.</summary>
    public static string Artifacts { get; } = FindArtifacts();

    /// <summary>Gets the folder of this project's logs.</summary>
    public static string Root => Path.Combine(Artifacts, "browser-tests");

    /// <summary>Gets the folder every test saves its screenshot in.</summary>
    public static string Screenshots => Path.Combine(Artifacts, "screenshots");

    private static string FindArtifacts()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Msil.Mcp.Sdk.sln")))
            {
                return Path.Combine(dir.FullName, "artifacts");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "artifacts");
    }
}
