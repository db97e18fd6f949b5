using Msil.Mcp.Audit.Tests.Durability;

namespace Msil.Mcp.Audit.Tests;

/// <summary>
/// The test assembly's entry point. <c>dotnet Msil.Mcp.Audit.Tests.dll crash-host …</c> runs the small audit host the
/// SIGKILL test starts and kills; anything else runs the xunit console runner (VSTest loads the assembly directly and
/// never calls this).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == CrashHost.Switch)
        {
            return await CrashHost.RunAsync(args[1..]);
        }

        return await Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args);
    }
}
