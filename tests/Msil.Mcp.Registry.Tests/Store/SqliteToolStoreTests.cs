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
}
