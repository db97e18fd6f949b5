using System.Text;
using Msil.Mcp.Audit.Tests.Support;

namespace Msil.Mcp.Audit.Tests;

public sealed class AuditLogVerifierTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task VerifyDirectory_IntactChain_ValidWithEveryRecord()
    {
        await WriteChainAsync(20);

        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);

        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(20, result.Records);
        Assert.Equal(1, result.Chains);
        Assert.NotNull(result.ChainId);
    }

    [Fact]
    public async Task VerifyDirectory_EditedRecord_ReportsAlteredAtItsLine()
    {
        var file = await WriteChainAsync(10);
        var lines = File.ReadAllLines(file);
        lines[4] = lines[4].Replace("\"user_id\":\"alice\"", "\"user_id\":\"mallory\"", StringComparison.Ordinal);
        File.WriteAllLines(file, lines);

        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);

        Assert.False(result.IsValid);
        Assert.Equal(file, result.File);
        Assert.Equal(5, result.Line);
        Assert.Equal(5, result.Sequence);
        Assert.Equal(4, result.Records);
        Assert.Contains("record 5 was altered", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyDirectory_DeletedRecord_ReportsTheGap()
    {
        var file = await WriteChainAsync(10);
        File.WriteAllLines(file, File.ReadAllLines(file).Where((_, i) => i != 6));

        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);

        Assert.False(result.IsValid);
        Assert.Equal(7, result.Line);
        Assert.Contains("records 7..7 are missing", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyDirectory_ReorderedRecords_ReportsOutOfOrder()
    {
        var file = await WriteChainAsync(10);
        var lines = File.ReadAllLines(file);
        (lines[2], lines[3]) = (lines[3], lines[2]);
        File.WriteAllLines(file, lines);

        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);

        Assert.False(result.IsValid);
        Assert.Equal(3, result.Line);
        Assert.Contains("missing", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyDirectory_RecordSlippedIn_ReportsBrokenLink()
    {
        var file = await WriteChainAsync(10);
        var lines = File.ReadAllLines(file).ToList();
        Assert.True(ChainedRecord.TryParse(lines[2], out var third, out _));
        var chain = File.ReadAllText(Path.Combine(_dir.Path, FileAuditSink.ChainIdFileName)).Trim();

        // A forger who knows the format writes a self-consistent record 4 after record 3 and renumbers nothing.
        var (forged, _) = AuditRecordSerializer.Serialize(Sinks.Record(99, user: "mallory"), 4, third.Hash, chain);
        lines.Insert(3, Encoding.UTF8.GetString(forged).TrimEnd('\n'));
        File.WriteAllLines(file, lines);

        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);

        Assert.False(result.IsValid);
        Assert.Equal(5, result.Line);
        Assert.Contains("record 4 is out of order or duplicated", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyDirectory_IncompleteLastLine_NotCountedAndStillValid()
    {
        var file = await WriteChainAsync(5);
        File.AppendAllText(file, "{\"seq\":6,\"prev\":\"abc");

        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);

        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(5, result.Records);
    }

    [Fact]
    public async Task VerifyDirectory_BlankedLine_Reported()
    {
        var file = await WriteChainAsync(5);
        var lines = File.ReadAllLines(file);
        lines[1] = string.Empty;
        File.WriteAllLines(file, lines);

        var result = AuditLogVerifier.VerifyDirectory(_dir.Path);

        Assert.False(result.IsValid);
        Assert.Equal(2, result.Line);
    }

    [Fact]
    public void VerifyDirectory_Missing_ThrowsDirectoryNotFound()
        => Assert.Throws<DirectoryNotFoundException>(() => AuditLogVerifier.VerifyDirectory(Path.Combine(_dir.Path, "nope")));

    private async Task<string> WriteChainAsync(int count)
    {
        await using (var sink = await Sinks.StartAsync(_dir.Path))
        {
            await Sinks.WriteAsync(sink, count);
            await sink.StopAsync(TestContext.Current.CancellationToken);
        }

        return AuditLogVerifier.ChainFiles(_dir.Path).Single();
    }
}
