using Msil.Mcp.Pipeline;

namespace Msil.Mcp.Tests.Pipeline;

public sealed class RandomIdsTests
{
    [Fact]
    public void NewVersion7_AnyTime_IsTheTextOfAVersion7GuidWithItsMilliseconds()
    {
        var at = new DateTimeOffset(2026, 12, 8, 3, 45, 12, 345, TimeSpan.Zero);

        var id = RandomIds.NewVersion7(at);

        Assert.Equal(32, id.Length);
        Assert.Equal(id.ToLowerInvariant(), id);
        var guid = Guid.ParseExact(id, "N");
        Assert.Equal(7, guid.Version);
        Assert.Equal(0x80, guid.ToByteArray(bigEndian: true)[8] & 0xC0);

        // The same layout as the runtime's: the first 12 digits are the Unix milliseconds.
        var runtime = Guid.CreateVersion7(at).ToString("N");
        Assert.Equal(runtime[..12], id[..12]);
        Assert.Equal(at.ToUnixTimeMilliseconds(), Convert.ToInt64(id[..12], 16));
    }

    [Fact]
    public void NewVersion7_ManyIds_AreDistinctAndOrderByTime()
    {
        var at = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var ids = Enumerable.Range(0, 100).Select(i => RandomIds.NewVersion7(at.AddMilliseconds(i))).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }
}
