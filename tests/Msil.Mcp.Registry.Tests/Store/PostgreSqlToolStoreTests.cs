using Msil.Mcp.Registry.Store;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Store;

[Trait("Category", "Integration")]
public sealed class PostgreSqlToolStoreTests : ToolStoreContractTests
{
    private readonly string _schema = Shared.UniqueSchema();

    protected override async Task CleanUpAsync()
    {
        await Task.Yield();
        await Shared.DropSchemaAsync(_schema);
    }

    private protected override IToolStore CreateStore() => new PostgreSqlToolStore(Shared.PostgreSql, _schema, Time);

    [Fact]
    public async Task Initialize_ManyInstancesAtOnceOnAFreshSchema_AllSucceed()
    {
        var schema = Shared.UniqueSchema();
        var stores = Enumerable.Range(0, 6).Select(_ => new PostgreSqlToolStore(Shared.PostgreSql, schema, Time)).ToArray();
        try
        {
            await Task.WhenAll(stores.Select(s => s.InitializeAsync(Ct)));

            Assert.Equal(0, await stores[0].GetRevisionAsync(Ct));
            await Task.WhenAll(stores.Select(s => s.ImportAsync(new ImportRequest("openapi:dealers", Specs.Compile(Specs.Dealers()), "tester", "hash", null, false), Ct)));
            Assert.Single((await stores[3].GetToolAsync("get_dealers", Ct))!.Versions);
            Assert.Equal(6, (await stores[5].GetImportsAsync(0, 10, Ct)).Count);
            Assert.Equal(6, await stores[1].GetRevisionAsync(Ct));
        }
        finally
        {
            foreach (var s in stores)
            {
                await s.DisposeAsync();
            }

            await Shared.DropSchemaAsync(schema);
        }
    }
}
