using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation.Redis;

namespace Msil.Mcp.Elevation.Tests.Redis;

/// <summary>The JSON value of a grant in Redis (no Redis needed).</summary>
public sealed class RedisGrantCodecTests
{
    private static readonly ElevationGrant Sample = new()
    {
        UserId = "carol@example.test",
        PrincipalKey = "carol@example.test",
        Scope = "delete_customer_data",
        GrantedAt = new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero),
        ExpiresAt = new DateTimeOffset(2026, 1, 31, 16, 30, 0, TimeSpan.FromHours(5.5)),
        ApprovalReference = "PIM-2026-001234",
        SingleUse = true,
        ArgumentsHash = new string('c', 64),
    };

    [Fact]
    public void Encode_Grant_UsesTheSeedFieldNamesAndUtcTimes()
    {
        using var json = JsonDocument.Parse(RedisGrantCodec.Encode(Sample));
        var root = json.RootElement;

        Assert.Equal("2026-01-31T10:00:00Z", root.GetProperty("granted_at").GetString());
        Assert.Equal("2026-01-31T11:00:00Z", root.GetProperty("expires_at").GetString());
        Assert.Equal("delete_customer_data", root.GetProperty("scope").GetString());
        Assert.Equal("PIM-2026-001234", root.GetProperty("approval_reference").GetString());
        Assert.Equal("carol@example.test", root.GetProperty("user_id").GetString());
        Assert.True(root.GetProperty("single_use").GetBoolean());
        Assert.Equal(new string('c', 64), root.GetProperty("arguments_hash").GetString());
    }

    [Fact]
    public void Decode_Encoded_RoundTrips()
    {
        var decoded = RedisGrantCodec.Decode(RedisGrantCodec.Encode(Sample), Sample.UserId, Sample.Scope);

        Assert.Equal(Sample with { ExpiresAt = Sample.ExpiresAt.ToUniversalTime() }, decoded! with { ExpiresAt = decoded.ExpiresAt.ToUniversalTime() });
        Assert.Equal(Sample.ExpiresAt, decoded.ExpiresAt);
    }

    [Fact]
    public void Decode_SeedShapedValue_IsAReusableGrantForTheKeysUserAndScope()
    {
        var seed = """{"granted_at":"2026-01-31T10:00:00Z","expires_at":"2026-01-31T11:00:00Z","scope":"delete_customer_data","approval_reference":"PIM-2026-001234"}""";

        var grant = RedisGrantCodec.Decode(Encoding.UTF8.GetBytes(seed), "carol@example.test", "delete_customer_data");

        Assert.NotNull(grant);
        Assert.Equal("carol@example.test", grant.UserId);
        Assert.False(grant.SingleUse);
        Assert.Null(grant.ArgumentsHash);
        Assert.Equal(new DateTimeOffset(2026, 1, 31, 11, 0, 0, TimeSpan.Zero), grant.ExpiresAt);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"scope":"delete_customer_data"}""")]
    [InlineData("""{"principal_key":"mallory","expires_at":"2026-01-31T11:00:00Z"}""")]
    [InlineData("""{"scope":"other_tool","expires_at":"2026-01-31T11:00:00Z"}""")]
    public void Decode_NotAGrantForThisKey_Null(string value)
        => Assert.Null(RedisGrantCodec.Decode(Encoding.UTF8.GetBytes(value), "carol@example.test", "delete_customer_data"));
}
