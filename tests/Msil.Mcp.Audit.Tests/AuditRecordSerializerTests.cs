using System.Security.Cryptography;
using System.Text;
using Msil.Mcp.Audit.Tests.Support;

namespace Msil.Mcp.Audit.Tests;

public sealed class AuditRecordSerializerTests
{
    [Fact]
    public void Serialize_Record_LineIsCanonicalFormPlusItsSha256()
    {
        var (bytes, hash) = AuditRecordSerializer.Serialize(Sinks.Record(1), 1, AuditRecordSerializer.Genesis, "chain-a");
        var line = Encoding.UTF8.GetString(bytes);

        Assert.EndsWith($",\"hash\":\"{hash}\"}}\n", line, StringComparison.Ordinal);
        Assert.StartsWith($"{{\"seq\":1,\"prev\":\"{AuditRecordSerializer.Genesis}\",\"chain\":\"chain-a\",\"id\":\"rec-1\"", line, StringComparison.Ordinal);
        var canonical = line[..line.LastIndexOf(",\"hash\"", StringComparison.Ordinal)] + "}";
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), hash);
    }

    [Theory]
    [InlineData(0L, 0)]
    [InlineData(1234567L, 0)]
    [InlineData(9999999L, 5)]
    [InlineData(10L, -8)]
    public void Serialize_Timestamp_StoredAsSevenDigitUtcText(long fractionTicks, int offsetHours)
    {
        // The stored "ts" is part of every hash: it must stay yyyy-MM-dd'T'HH:mm:ss.fffffff'Z' in UTC, byte for byte.
        var at = new DateTimeOffset(new DateTime(2026, 12, 8, 3, 4, 5).AddTicks(fractionTicks), TimeSpan.FromHours(offsetHours));
        var record = Sinks.Record(1) with { Timestamp = at };

        var (bytes, _) = AuditRecordSerializer.Serialize(record, 1, AuditRecordSerializer.Genesis, null);

        var expected = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"\"ts\":\"{expected}\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_SameWriterManyRecords_EachHashIsTheSha256OfItsOwnLine()
    {
        // One writer reuses its buffers and its hash context: no state may leak from one line into the next.
        using var writer = new AuditLineWriter();
        var previous = Encoding.ASCII.GetBytes(AuditRecordSerializer.Genesis);
        for (var i = 1; i <= 5; i++)
        {
            var line = Encoding.UTF8.GetString(writer.Write(Sinks.Record(i), i, previous, "c"));

            Assert.True(ChainedRecord.TryParse(line.TrimEnd('\n'), out var parsed, out var error), error);
            Assert.Equal(parsed.ComputedHash, parsed.Hash);
            Assert.Equal(Encoding.ASCII.GetString(previous), parsed.PreviousHash);
            previous = Encoding.ASCII.GetBytes(parsed.Hash);
        }
    }

    [Fact]
    public void TryParse_SerializedLine_FieldsRoundTrip()
    {
        var record = Sinks.Record(7, user: "bob", tool: "delete_customer_data", allow: false, outcome: "denied");
        var (bytes, hash) = AuditRecordSerializer.Serialize(record, 42, new string('b', 64), "c1");

        Assert.True(ChainedRecord.TryParse(Encoding.UTF8.GetString(bytes).TrimEnd('\n'), out var parsed, out var error), error);
        Assert.Equal(42, parsed.Sequence);
        Assert.Equal(new string('b', 64), parsed.PreviousHash);
        Assert.Equal("c1", parsed.ChainId);
        Assert.Equal("rec-7", parsed.Id);
        Assert.Equal("bob", parsed.UserId);
        Assert.Equal("delete_customer_data", parsed.Tool);
        Assert.Equal("deny", parsed.Decision);
        Assert.Equal("denied", parsed.Outcome);
        Assert.Equal("corr-7", parsed.CorrelationId);
        Assert.Equal(record.Timestamp, parsed.Timestamp);
        Assert.Equal(hash, parsed.Hash);
        Assert.Equal(hash, parsed.ComputedHash);
    }

    [Fact]
    public void Serialize_LoneSurrogateInCallerText_ReplacedAndStillVerifies()
    {
        var record = Sinks.Record(1) with { ToolName = "bad\uD800tool", Detail = "ok \uD83D\uDE00" };

        var (bytes, _) = AuditRecordSerializer.Serialize(record, 1, AuditRecordSerializer.Genesis, null);

        Assert.True(ChainedRecord.TryParse(Encoding.UTF8.GetString(bytes).TrimEnd('\n'), out var parsed, out _));
        Assert.Equal("bad\uFFFDtool", parsed.Tool);
        Assert.Equal(parsed.Hash, parsed.ComputedHash);
    }

    [Theory]
    [InlineData("{\"seq\":1}")]
    [InlineData("not json,\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}")]
    [InlineData("")]
    public void TryParse_NotAChainedRecord_FalseWithReason(string line)
    {
        Assert.False(ChainedRecord.TryParse(line, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Check_RecordsOutOfOrder_ReportsEachKindOfBreak()
    {
        var lines = Enumerable.Range(1, 3).Aggregate(new List<ChainedRecord>(), (list, i) =>
        {
            var prev = list.Count == 0 ? AuditRecordSerializer.Genesis : list[^1].Hash;
            var (bytes, _) = AuditRecordSerializer.Serialize(Sinks.Record(i), i, prev, "c");
            Assert.True(ChainedRecord.TryParse(Encoding.UTF8.GetString(bytes).TrimEnd('\n'), out var r, out _));
            list.Add(r);
            return list;
        });

        var skipped = new ChainVerifier("c");
        Assert.Null(skipped.Check(lines[0]));
        Assert.Contains("records 2..2 are missing", skipped.Check(lines[2]), StringComparison.Ordinal);

        var foreign = new ChainVerifier("other");
        Assert.Contains("belongs to chain 'c'", foreign.Check(lines[0]), StringComparison.Ordinal);
    }
}
