using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Admin;
using Msil.Mcp.Tests.Infrastructure;
using Npgsql;

namespace Msil.Mcp.Tests.Admin;

/// <summary>The PostgreSQL users store on a real PostgreSQL (TEST_POSTGRES_CONNECTION_STRING), each test in a table of its own.</summary>
[Trait("Category", "Integration")]
public sealed class PostgreSqlUserDirectoryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);

    private readonly string _table = "mcp_users_" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<PostgreSqlUserDirectory> _stores = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string ConnectionString => TestServices.Require("TEST_POSTGRES_CONNECTION_STRING");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS public.\"{_table}\"", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private PostgreSqlUserDirectory NewStore()
    {
        var store = new PostgreSqlUserDirectory(
            Options.Create(new UserDirectoryOptions { Store = UserDirectoryStoreKind.PostgreSql, PostgreSqlConnectionString = ConnectionString, TableName = _table }),
            NullLogger<PostgreSqlUserDirectory>.Instance);
        _stores.Add(store);
        return store;
    }

    private static UserRecord Activity(string name, DateTimeOffset at, long calls, long denials, params string[] roles) => new()
    {
        PrincipalKey = "https://idp.example|" + name,
        Subject = name,
        Issuer = "https://idp.example",
        Name = name,
        Roles = roles,
        Groups = ["g-" + name],
        FirstSeen = at,
        LastSeen = at,
        Calls = calls,
        Denials = denials,
    };

    [Fact]
    public async Task MergeAsync_TwoReplicasFlush_CountsAddAndLatestIdentityWins()
    {
        var a = NewStore();
        var b = NewStore();

        await a.MergeAsync([Activity("alice", T0, 3, 1, "viewer"), Activity("bob", T0.AddMinutes(1), 1, 0)], Ct);
        await b.MergeAsync([Activity("alice", T0.AddMinutes(5), 2, 2, "writer")], Ct);

        var alice = await a.GetAsync("https://idp.example|alice", Ct);
        Assert.NotNull(alice);
        Assert.Equal(5, alice.Calls);
        Assert.Equal(3, alice.Denials);
        Assert.Equal(T0, alice.FirstSeen);
        Assert.Equal(T0.AddMinutes(5), alice.LastSeen);
        Assert.Equal(["writer"], alice.Roles);
        Assert.Equal(["g-alice"], alice.Groups);
        Assert.Equal("https://idp.example", alice.Issuer);
        Assert.Null(await a.GetAsync("https://idp.example|nobody", Ct));
    }

    [Fact]
    public async Task ListAsync_SearchAndPage_LatestSeenFirstWithTotal()
    {
        var store = NewStore();
        await store.MergeAsync([Activity("alice", T0, 1, 0), Activity("alina", T0.AddMinutes(2), 1, 0), Activity("bob", T0.AddMinutes(1), 1, 0), Activity("a_b%", T0, 1, 0)], Ct);

        var all = await store.ListAsync(null, 0, 2, Ct);
        var ali = await store.ListAsync("ALI", 0, 10, Ct);
        var literal = await store.ListAsync("_b%", 0, 10, Ct);

        Assert.Equal(4, all.Total);
        Assert.Equal(["alina", "bob"], all.Items.Select(u => u.Name));
        Assert.Equal(["alina", "alice"], ali.Items.Select(u => u.Name));
        Assert.Equal(["a_b%"], literal.Items.Select(u => u.Name));
    }
}
