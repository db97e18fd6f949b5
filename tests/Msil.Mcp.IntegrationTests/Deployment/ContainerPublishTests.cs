using System.Globalization;
using System.Diagnostics;
using System.Text.Json;

namespace Msil.Mcp.IntegrationTests.Deployment;

/// <summary>
/// The reference server's container settings for <c>dotnet publish -t:PublishContainer</c>, as MSBuild evaluates them
/// with the SDK's container targets, and the plain publish output. No registry is reachable here, so the image itself
/// is not built; these are what would go into it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ContainerPublishTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Msbuild_ContainerSettings_ChiseledAspNetBaseNonRootUserPortAndLabels()
    {
        var output = await DotnetAsync(
            "msbuild", RepoFiles.ReferenceServerProject, "-nologo",
            "-getProperty:ContainerBaseImage", "-getProperty:ContainerRepository", "-getProperty:ContainerUser", "-getProperty:ContainerWorkingDirectory",
            "-getItem:ContainerPort", "-getItem:ContainerLabel", "-getItem:ContainerEnvironmentVariable");
        using var json = JsonDocument.Parse(output);
        var properties = json.RootElement.GetProperty("Properties");
        var items = json.RootElement.GetProperty("Items");

        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", properties.GetProperty("ContainerBaseImage").GetString(), StringComparison.Ordinal);
        Assert.Equal("msil/mcp-reference-server", properties.GetProperty("ContainerRepository").GetString());
        var user = int.Parse(properties.GetProperty("ContainerUser").GetString()!, CultureInfo.InvariantCulture);
        Assert.NotEqual(0, user);
        var port = Assert.Single(items.GetProperty("ContainerPort").EnumerateArray());
        Assert.Equal("8080", port.GetProperty("Identity").GetString());
        var labels = items.GetProperty("ContainerLabel").EnumerateArray().ToDictionary(l => l.GetProperty("Identity").GetString()!, l => l.GetProperty("Value").GetString());
        Assert.False(string.IsNullOrWhiteSpace(labels["org.opencontainers.image.title"]));
        Assert.Equal("MIT", labels["org.opencontainers.image.licenses"]);
        var environment = items.GetProperty("ContainerEnvironmentVariable").EnumerateArray().ToDictionary(l => l.GetProperty("Identity").GetString()!, l => l.GetProperty("Value").GetString());
        Assert.Equal("http://+:8080", environment["ASPNETCORE_URLS"]);
    }

    [Fact]
    public async Task Msbuild_ReadyToRunProfile_PrecompiledForLinuxWithTieringOn()
    {
        // What ships (docs/operations.md, "Start-up and steady speed"): precompiled code, with tiering left on so the hot
        // methods are recompiled (tiering off plateaus at less than half the steady speed).
        var output = await DotnetAsync(
            "msbuild", RepoFiles.ReferenceServerProject, "-nologo", "-p:PublishProfile=ReadyToRun",
            "-getProperty:PublishReadyToRun", "-getProperty:TieredCompilation", "-getProperty:RuntimeIdentifier", "-getProperty:SelfContained");
        using var json = JsonDocument.Parse(output);
        var properties = json.RootElement.GetProperty("Properties");

        Assert.Equal("true", properties.GetProperty("PublishReadyToRun").GetString());
        Assert.NotEqual("false", properties.GetProperty("TieredCompilation").GetString());
        Assert.Equal("linux-x64", properties.GetProperty("RuntimeIdentifier").GetString());
        Assert.Equal("false", properties.GetProperty("SelfContained").GetString());
    }

    [Fact]
    public async Task Publish_Output_HoldsTheAppAndItsSettings()
    {
        var output = Path.Combine(Path.GetTempPath(), "msil-mcp-publish-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await DotnetAsync("publish", RepoFiles.ReferenceServerProject, "-c", Configuration, "--no-build", "-nologo", "-o", output);

            Assert.True(File.Exists(Path.Combine(output, "Msil.Mcp.ReferenceServer.dll")));
            Assert.True(File.Exists(Path.Combine(output, "Msil.Mcp.ReferenceServer.runtimeconfig.json")));
            var settings = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "appsettings.json"), Ct)).RootElement;
            Assert.Equal("json", settings.GetProperty("Logging").GetProperty("Console").GetProperty("FormatterName").GetString());
            foreach (var package in new[] { "Msil.Mcp", "Msil.Mcp.Auth", "Msil.Mcp.Policy.Opa", "Msil.Mcp.Elevation", "Msil.Mcp.Apim", "Msil.Mcp.Audit", "Msil.Mcp.Registry" })
            {
                Assert.True(File.Exists(Path.Combine(output, package + ".dll")), package);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(output, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    /// <summary>Runs the .NET CLI of this test run, bounded at three minutes; fails with its output when it fails.</summary>
    private static async Task<string> DotnetAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoFiles.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await stdout;
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{text}\n{await stderr}");
        return text;
    }
}
