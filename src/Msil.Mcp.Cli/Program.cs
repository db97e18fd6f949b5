namespace Msil.Mcp.Cli;

/// <summary>The <c>msil-mcp</c> entry point.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return await CliApp.RunAsync(args, Console.Out, Console.Error, cancel.Token).ConfigureAwait(false);
    }
}
