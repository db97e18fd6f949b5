using Msil.Mcp.Audit.Tests.Support;
using Msil.Mcp.Cli;

namespace Msil.Mcp.Audit.Tests.Cli;

public sealed class CliAppTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunAsync_VerifyFilesIntact_ExitZeroAndCount()
    {
        await WriteAsync(12);

        var (code, output, _) = await RunAsync("audit", "verify", "--files", _dir.Path);

        Assert.Equal(0, code);
        Assert.Contains("verified 12 records in 1 chain(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_VerifyFilesBroken_ExitOneWithFileLineAndReason()
    {
        await WriteAsync(12);
        var file = AuditLogVerifier.ChainFiles(_dir.Path).Single();
        File.WriteAllLines(file, File.ReadAllLines(file).Where((_, i) => i != 8));

        var (code, output, _) = await RunAsync("audit", "verify", "--files", _dir.Path);

        Assert.Equal(1, code);
        Assert.Contains($"BROKEN at {file} line 9", output, StringComparison.Ordinal);
        Assert.Contains("record 10)", output, StringComparison.Ordinal);
        Assert.Contains("records 9..9 are missing", output, StringComparison.Ordinal);
        Assert.Contains("8 records verified before it", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("audit")]
    [InlineData("audit", "check", "--files", "x")]
    [InlineData("audit", "verify")]
    [InlineData("audit", "verify", "--files")]
    [InlineData("audit", "verify", "--files", "a", "--postgres", "b")]
    [InlineData("audit", "verify", "--files", "a", "--table", "t")]
    [InlineData("audit", "verify", "--s3", "http://127.0.0.1:1")]
    [InlineData("audit", "verify", "--s3", "ftp://x", "--bucket", "b")]
    [InlineData("audit", "verify", "--postgres", "Host=x", "--table", "Bad-Name")]
    [InlineData("audit", "verify", "--s3", "aws", "--bucket", "b", "--access-key", "only-half")]
    public async Task RunAsync_BadUsage_ExitTwoWithUsage(params string[] args)
    {
        var (code, _, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains("Usage:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_DirectoryMissing_ExitTwo()
    {
        var (code, _, error) = await RunAsync("audit", "verify", "--files", Path.Combine(_dir.Path, "missing"));

        Assert.Equal(2, code);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PostgresUnreachable_ExitTwoWithMessage()
    {
        var (code, _, error) = await RunAsync("audit", "verify", "--postgres", $"Host=127.0.0.1;Port={Msil.Mcp.Testing.LoopbackPorts.Free()};Username=x;Password=y;Timeout=3");

        Assert.Equal(2, code);
        Assert.Contains("cannot read the audit records", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Help_ExitZeroWithUsage()
    {
        var (code, output, _) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Contains("msil-mcp audit verify --files <directory>", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Version_ExitZero()
    {
        var (code, output, _) = await RunAsync("--version");

        Assert.Equal(0, code);
        Assert.StartsWith("msil-mcp ", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, Ct);
        return (code, output.ToString(), error.ToString());
    }

    private async Task WriteAsync(int count)
    {
        await using var sink = await Sinks.StartAsync(_dir.Path);
        await Sinks.WriteAsync(sink, count);
        await sink.StopAsync(Ct);
    }
}
