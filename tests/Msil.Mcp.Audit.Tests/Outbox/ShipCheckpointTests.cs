using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.Tests.Support;

namespace Msil.Mcp.Audit.Tests.Outbox;

public sealed class ShipCheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_ThenRead_SamePosition()
    {
        var position = new ShipPosition(42, new string('c', 64), new string('d', 64));

        ShipCheckpoint.Write(_dir.Path, "s3", "fp", "chain", position);
        var read = ShipCheckpoint.Read(_dir.Path, "s3", "fp", "chain", out var mismatched);

        Assert.Equal(position, read);
        Assert.False(mismatched);
        Assert.False(File.Exists(ShipCheckpoint.PathOf(_dir.Path, "s3") + ".tmp"));
    }

    [Theory]
    [InlineData("other-fp", "chain")]
    [InlineData("fp", "other-chain")]
    public void Read_OtherTargetOrChain_IgnoredAndFlagged(string fingerprint, string chain)
    {
        ShipCheckpoint.Write(_dir.Path, "postgresql", "fp", "chain", new ShipPosition(7, new string('c', 64)));

        var read = ShipCheckpoint.Read(_dir.Path, "postgresql", fingerprint, chain, out var mismatched);

        Assert.Null(read);
        Assert.True(mismatched);
    }

    [Fact]
    public void Read_None_NullNotFlagged()
    {
        Assert.Null(ShipCheckpoint.Read(_dir.Path, "s3", "fp", "chain", out var mismatched));
        Assert.False(mismatched);
    }
}
