using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.Tests.Support;

namespace Msil.Mcp.Audit.Tests.Outbox;

public sealed class OutboxReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Read_AcrossRotatedFiles_EveryRecordOnceInOrder()
    {
        await WriteAsync(300, maxFileBytes: 64 * 1024);
        var reader = new OutboxReader(_dir.Path);
        var records = new List<ChainedRecord>();

        while (reader.Read(records, 37) > 0)
        {
        }

        Assert.True(AuditLogVerifier.ChainFiles(_dir.Path).Count() > 1);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), records.Select(r => r.Sequence));
    }

    [Fact]
    public async Task SeekAfter_SequenceInALaterFile_StartsAtTheNextRecord()
    {
        await WriteAsync(300, maxFileBytes: 64 * 1024);
        var reader = new OutboxReader(_dir.Path);
        var records = new List<ChainedRecord>();

        reader.SeekAfter(211);
        reader.Read(records, 5);

        Assert.Equal([212L, 213, 214, 215, 216], records.Select(r => r.Sequence));
    }

    [Fact]
    public async Task Read_LastLineStillBeingWritten_ReturnedOnlyWhenComplete()
    {
        await WriteAsync(2);
        var file = AuditLogVerifier.ChainFiles(_dir.Path).Single();
        var lines = File.ReadAllLines(file);
        File.WriteAllText(file, lines[0] + "\n" + lines[1][..40]);
        var reader = new OutboxReader(_dir.Path);
        var records = new List<ChainedRecord>();

        reader.Read(records, 10);
        Assert.Single(records);

        File.AppendAllText(file, lines[1][40..] + "\n");
        reader.Read(records, 10);
        Assert.Equal([1L, 2], records.Select(r => r.Sequence));
    }

    [Fact]
    public async Task SeekAfter_RecordNoLongerInOutbox_Throws()
    {
        await WriteAsync(300, maxFileBytes: 64 * 1024);
        File.Delete(AuditLogVerifier.ChainFiles(_dir.Path).First());
        var reader = new OutboxReader(_dir.Path);

        var ex = Assert.Throws<InvalidDataException>(() => reader.SeekAfter(0));

        Assert.Contains("record 1 is no longer there", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_GarbledLine_ThrowsWithFileAndOffset()
    {
        await WriteAsync(3);
        var file = AuditLogVerifier.ChainFiles(_dir.Path).Single();
        var lines = File.ReadAllLines(file);
        lines[1] = "garbage";
        File.WriteAllLines(file, lines);
        var reader = new OutboxReader(_dir.Path);

        var ex = Assert.Throws<InvalidDataException>(() => reader.Read([], 10));

        Assert.Contains(Path.GetFileName(file), ex.Message, StringComparison.Ordinal);
    }

    private async Task WriteAsync(int count, long maxFileBytes = 64L * 1024 * 1024)
    {
        await using var sink = await Sinks.StartAsync(_dir.Path, o => o.MaxFileBytes = maxFileBytes);
        await Sinks.WriteAsync(sink, count);
        await sink.StopAsync(TestContext.Current.CancellationToken);
    }
}
