using System.Text.Json.Nodes;
using Msil.Mcp.Registry.Store;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Store;

public sealed class SqliteToolStoreTests : ToolStoreContractTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "msil-registry-tests", Guid.NewGuid().ToString("N"));

    protected override async Task CleanUpAsync()
    {
        await Task.Yield();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private protected override IToolStore CreateStore() => new SqliteToolStore(Path.Combine(_directory, "sub", "registry.db"), Time);

    [Fact]
    public async Task TwoStoresOnOneFile_ImportTogether_BothSucceedAndShareData()
    {
        var other = new SqliteToolStore(Path.Combine(_directory, "sub", "registry.db"), Time);
        await other.InitializeAsync(Ct);

        var a = ImportAsync(Specs.Dealers());
        var b = other.ImportAsync(new ImportRequest("openapi:dealers", Specs.Compile(Specs.Dealers()), "tester", "hash", null, false), Ct);
        await Task.WhenAll(a, b);

        Assert.Single((await Store.GetToolAsync("get_dealers", Ct))!.Versions);
        Assert.Equal(2, (await other.GetImportsAsync(0, 10, Ct)).Count);
    }

    [Fact]
    public void Deserialize_DefinitionStoredBeforeNewCollectionsExisted_ReadsThemAsEmpty()
    {
        // A store written by an earlier version has no required_scopes, examples, parameters or credentials: source-
        // generated JSON sets a missing init property to null, which made the next import's plan throw (the reference
        // server stopped at start on an older store).
        var tool = Specs.Compile(Specs.Dealers()).First(t => t.Http is not null);
        var json = JsonNode.Parse(SqlToolStore.Serialize(tool))!.AsObject();
        foreach (var name in json.Select(p => p.Key).Where(k => k.Contains("scope", StringComparison.OrdinalIgnoreCase) || k.Contains("example", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            json.Remove(name);
        }

        var http = json.Single(p => p.Value is JsonObject o && o.ContainsKey(json.ContainsKey("http") ? "method" : "Method")).Value!.AsObject();
        foreach (var name in http.Select(p => p.Key).Where(k => k.Contains("credential", StringComparison.OrdinalIgnoreCase) || k.Contains("parameter", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            http.Remove(name);
        }

        var read = SqlToolStore.Deserialize(json.ToJsonString());

        Assert.NotNull(read.RequiredScopes);
        Assert.Empty(read.RequiredScopes);
        Assert.NotNull(read.Examples);
        Assert.NotNull(read.Http!.Credentials);
        Assert.Empty(read.Http.Credentials);
        Assert.NotNull(read.Http.Parameters);
    }
}
