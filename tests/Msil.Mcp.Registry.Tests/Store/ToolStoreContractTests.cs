using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Registry.Curation;
using Msil.Mcp.Registry.Store;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Store;

/// <summary>The store's behaviour, run against SQLite and against real PostgreSQL by the subclasses.</summary>
public abstract class ToolStoreContractTests : IAsyncLifetime
{
    private IToolStore? _store;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero));

    internal IToolStore Store => _store!;

    public async ValueTask InitializeAsync()
    {
        _store = CreateStore();
        await _store.InitializeAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is IAsyncDisposable d)
        {
            await d.DisposeAsync();
        }

        await CleanUpAsync();
        GC.SuppressFinalize(this);
    }

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    private protected abstract IToolStore CreateStore();

    [Fact]
    public async Task Import_NewDocument_AddsEveryToolAtVersionOne()
    {
        var result = await ImportAsync(Specs.Dealers());

        Assert.Equal(["create_dealer", "delete_dealer", "get_dealers"], result.Plan.Changes.Select(c => c.Name));
        Assert.All(result.Plan.Changes, c => Assert.Equal(ToolChangeKind.Added, c.Kind));
        var snapshot = await Store.LoadAsync(Ct);
        Assert.Equal(3, snapshot.Tools.Count);
        Assert.All(snapshot.Tools, t => Assert.Equal(1, t.CurrentVersion));
        Assert.Equal(result.Revision, snapshot.Revision);
    }

    [Fact]
    public async Task Import_SameDocumentTwice_StoresNoNewVersion()
    {
        var first = await ImportAsync(Specs.Dealers());
        var second = await ImportAsync(Specs.Dealers());

        Assert.All(second.Plan.Changes, c => Assert.Equal(ToolChangeKind.Unchanged, c.Kind));
        var history = await Store.GetToolAsync("get_dealers", Ct);
        Assert.Single(history!.Versions);
        Assert.True(second.Revision > first.Revision);
        Assert.Equal(2, (await Store.GetImportsAsync(0, 10, Ct)).Count);
    }

    [Fact]
    public async Task Import_ChangedOperation_NewVersionOnlyForThatToolWithReason()
    {
        await ImportAsync(Specs.Dealers());
        var result = await ImportAsync(Specs.Dealers(listSummary: "List every dealer of a region"));

        var change = Assert.Single(result.Plan.Changes, c => c.Kind == ToolChangeKind.Changed);
        Assert.Equal("get_dealers", change.Name);
        Assert.Contains("description", change.Reason, StringComparison.Ordinal);
        Assert.Equal(1, change.FromVersion);
        Assert.Equal(2, change.ToVersion);
        var history = await Store.GetToolAsync("get_dealers", Ct);
        Assert.Equal([2, 1], history!.Versions.Select(v => v.Version));
        Assert.Equal(2, history.Tool.CurrentVersion);
        Assert.Single((await Store.GetToolAsync("create_dealer", Ct))!.Versions);
    }

    [Fact]
    public async Task Import_OperationGone_RetiresToolAndKeepsHistory()
    {
        await ImportAsync(Specs.Dealers());
        var result = await ImportAsync(Specs.Dealers(withDelete: false));

        var removed = Assert.Single(result.Plan.Changes, c => c.Kind == ToolChangeKind.Removed);
        Assert.Equal("delete_dealer", removed.Name);
        Assert.DoesNotContain((await Store.LoadAsync(Ct)).Tools, t => t.Name == "delete_dealer");
        var history = await Store.GetToolAsync("delete_dealer", Ct);
        Assert.True(history!.Tool.Retired);

        var back = await ImportAsync(Specs.Dealers());
        var added = Assert.Single(back.Plan.Changes, c => c.Kind == ToolChangeKind.Added);
        Assert.Contains("same as version 1", added.Reason, StringComparison.Ordinal);
        Assert.Contains((await Store.LoadAsync(Ct)).Tools, t => t.Name == "delete_dealer");
    }

    [Fact]
    public async Task Import_DryRun_ReturnsDiffAndStoresNothing()
    {
        await ImportAsync(Specs.Dealers());
        var revision = await Store.GetRevisionAsync(Ct);

        var result = await ImportAsync(Specs.Dealers(listSummary: "Changed", withDelete: false, withExtra: true), dryRun: true);

        Assert.Null(result.ImportId);
        Assert.Equal(["get_regions"], result.Plan.Changes.Where(c => c.Kind == ToolChangeKind.Added).Select(c => c.Name));
        Assert.Equal(["get_dealers"], result.Plan.Changes.Where(c => c.Kind == ToolChangeKind.Changed).Select(c => c.Name));
        Assert.Equal(["delete_dealer"], result.Plan.Changes.Where(c => c.Kind == ToolChangeKind.Removed).Select(c => c.Name));
        Assert.Equal(revision, await Store.GetRevisionAsync(Ct));
        Assert.Single(await Store.GetImportsAsync(0, 10, Ct));
        Assert.Single((await Store.GetToolAsync("get_dealers", Ct))!.Versions);
    }

    [Fact]
    public async Task Import_NameOfAnotherSource_IsAConflictAndStoresNothing()
    {
        await ImportAsync(Specs.Dealers());
        var revision = await Store.GetRevisionAsync(Ct);

        var result = await ImportAsync(Specs.Dealers(), source: "other");

        Assert.True(result.Plan.HasConflicts);
        Assert.Contains("openapi:dealers", result.Plan.Changes.First(c => c.Kind == ToolChangeKind.Conflict).Reason, StringComparison.Ordinal);
        Assert.Equal(revision, await Store.GetRevisionAsync(Ct));
    }

    [Fact]
    public async Task Rollback_ToEarlierVersion_ServesItAndStaysPinnedAcrossReimport()
    {
        await ImportAsync(Specs.Dealers());
        await ImportAsync(Specs.Dealers(listSummary: "Second wording"));

        var rollback = await Store.RollbackAsync("get_dealers", 1, "admin", Ct);

        Assert.Equal(StoreWriteStatus.Done, rollback.Status);
        var tool = (await Store.LoadAsync(Ct)).Tools.Single(t => t.Name == "get_dealers");
        Assert.Equal(1, tool.CurrentVersion);
        Assert.True(tool.Pinned);
        Assert.Equal("List dealers", tool.Definition.Description);

        var again = await ImportAsync(Specs.Dealers(listSummary: "Third wording"));
        var change = Assert.Single(again.Plan.Changes, c => c.Kind == ToolChangeKind.Changed);
        Assert.Contains("pinned at version 1", change.Reason, StringComparison.Ordinal);
        var history = await Store.GetToolAsync("get_dealers", Ct);
        Assert.Equal(1, history!.Tool.CurrentVersion);
        Assert.Equal(3, history.Tool.LatestVersion);

        var forward = await Store.RollbackAsync("get_dealers", 3, "admin", Ct);
        Assert.Equal(StoreWriteStatus.Done, forward.Status);
        var unpinned = (await Store.GetToolAsync("get_dealers", Ct))!.Tool;
        Assert.False(unpinned.Pinned);
        Assert.Equal(3, unpinned.CurrentVersion);
    }

    [Fact]
    public async Task Rollback_UnknownToolOrVersion_SaysWhich()
    {
        await ImportAsync(Specs.Dealers());

        Assert.Equal(StoreWriteStatus.NotFound, (await Store.RollbackAsync("nope", 1, "admin", Ct)).Status);
        var result = await Store.RollbackAsync("get_dealers", 7, "admin", Ct);
        Assert.Equal(StoreWriteStatus.NoSuchVersion, result.Status);
        Assert.Contains("no version 7", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Override_SurvivesReimportOfChangedDocument()
    {
        await ImportAsync(Specs.Dealers());
        using var json = JsonDocument.Parse("""{"description":"Curated text","risk_level":"write","fixed_parameters":{"region":"north"}}""");
        var value = ToolOverride.Parse(json.RootElement).Value!;

        Assert.Equal(StoreWriteStatus.Done, (await Store.SetOverrideAsync("get_dealers", value, "admin", Ct)).Status);
        await ImportAsync(Specs.Dealers(listSummary: "A new upstream description"));

        var tool = (await Store.LoadAsync(Ct)).Tools.Single(t => t.Name == "get_dealers");
        Assert.Equal(2, tool.CurrentVersion);
        var served = OverlayApplier.Apply(tool)!;
        Assert.Equal("Curated text", served.Description);
        Assert.Equal(Msil.Mcp.Abstractions.RiskLevel.Write, served.RiskLevel);
        Assert.Equal("north", served.FixedArguments["region"].GetString());

        Assert.Equal(StoreWriteStatus.Done, (await Store.DeleteOverrideAsync("get_dealers", "admin", Ct)).Status);
        Assert.Null((await Store.LoadAsync(Ct)).Tools.Single(t => t.Name == "get_dealers").Override);
        Assert.Equal(StoreWriteStatus.NotFound, (await Store.DeleteOverrideAsync("get_dealers", "admin", Ct)).Status);
    }

    [Fact]
    public async Task Override_RenameToTakenName_IsAConflict()
    {
        await ImportAsync(Specs.Dealers());
        using var json = JsonDocument.Parse("""{"name":"create_dealer"}""");

        var result = await Store.SetOverrideAsync("get_dealers", ToolOverride.Parse(json.RootElement).Value!, "admin", Ct);

        Assert.Equal(StoreWriteStatus.Conflict, result.Status);
        Assert.Contains("create_dealer", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Imports_HistoryNewestFirstWithCounts()
    {
        await ImportAsync(Specs.Dealers());
        Time.Advance(TimeSpan.FromMinutes(1));
        await ImportAsync(Specs.Dealers(withDelete: false, withExtra: true));

        var imports = await Store.GetImportsAsync(0, 10, Ct);

        Assert.Equal(2, imports.Count);
        Assert.True(imports[0].Id > imports[1].Id);
        Assert.Equal((1, 0, 1, 2), (imports[0].Added, imports[0].Changed, imports[0].Removed, imports[0].Unchanged));
        Assert.Equal(3, imports[1].Added);
        Assert.Equal("tester", imports[0].Actor);
        Assert.Equal(Time.GetUtcNow(), imports[0].ImportedAt);
    }

    [Fact]
    public async Task Initialize_Again_IsIdempotentAndKeepsData()
    {
        await ImportAsync(Specs.Dealers());

        await Store.InitializeAsync(Ct);

        Assert.Equal(3, (await Store.LoadAsync(Ct)).Tools.Count);
    }

    [Fact]
    public async Task StoredDefinition_RoundTripsWithSameHashAndBinding()
    {
        var compiled = Specs.Compile(Specs.Dealers());
        await ImportAsync(Specs.Dealers());

        foreach (var tool in (await Store.LoadAsync(Ct)).Tools)
        {
            var original = compiled.Single(t => t.Name == tool.Name);
            Assert.Equal(original.ContentHash, tool.Definition.ContentHash);
            Assert.True(JsonElement.DeepEquals(original.InputSchema, tool.Definition.InputSchema));
            Assert.Equal(original.Http!.Parameters, tool.Definition.Http!.Parameters);
            Assert.Equal(original.Idempotent, tool.Definition.Idempotent);
        }
    }

    [Fact]
    public async Task ApproveChange_BySecondAdmin_AppliedAndMarkedApproved()
    {
        var change = await StageImportAsync();

        var decision = await Store.ApproveChangeAsync(change.Id, "dave", Ct);

        Assert.Equal(ChangeDecisionStatus.Done, decision.Status);
        Assert.Equal(ChangeStates.Approved, decision.Change!.State);
        Assert.Equal(change.BaseRevision + 1, decision.Revision);
        Assert.Equal(3, (await Store.LoadAsync(Ct)).Tools.Count);
        var stored = await Store.GetChangeAsync(change.Id, Ct);
        Assert.Equal(ChangeStates.Approved, stored!.State);
        Assert.Equal("dave", stored.DecidedBy);
        Assert.Equal(Time.GetUtcNow(), stored.DecidedAt);
        var (items, total) = await Store.GetChangesAsync(ChangeStates.Approved, 0, 10, Ct);
        Assert.Equal(1, total);
        Assert.Equal(change.Id, Assert.Single(items).Id);
        Assert.Equal("tester", Assert.Single(await Store.GetImportsAsync(0, 10, Ct)).Actor);
    }

    [Fact]
    public async Task ApproveChange_StoreMovedSinceStaged_StaleAndNotApplied()
    {
        var change = await StageImportAsync();
        await ImportAsync(Specs.ManyOperations(1), source: "other");

        var decision = await Store.ApproveChangeAsync(change.Id, "dave", Ct);

        Assert.Equal(ChangeDecisionStatus.Stale, decision.Status);
        Assert.Equal(ChangeStates.Stale, (await Store.GetChangeAsync(change.Id, Ct))!.State);
        Assert.Single((await Store.LoadAsync(Ct)).Tools);
        Assert.Equal(ChangeDecisionStatus.NotPending, (await Store.ApproveChangeAsync(change.Id, "erin", Ct)).Status);
    }

    [Fact]
    public async Task ApproveChange_ByRequester_RefusedAndStillPending()
    {
        var change = await StageImportAsync();

        var decision = await Store.ApproveChangeAsync(change.Id, "tester", Ct);

        Assert.Equal(ChangeDecisionStatus.SelfApproval, decision.Status);
        Assert.Equal(ChangeStates.Pending, (await Store.GetChangeAsync(change.Id, Ct))!.State);
        Assert.Empty((await Store.LoadAsync(Ct)).Tools);
    }

    [Fact]
    public async Task RejectChange_Pending_RejectedAndNothingApplied()
    {
        var change = await StageImportAsync();

        Assert.Equal(ChangeDecisionStatus.Done, (await Store.RejectChangeAsync(change.Id, "dave", Ct)).Status);

        Assert.Equal(ChangeStates.Rejected, (await Store.GetChangeAsync(change.Id, Ct))!.State);
        Assert.Empty((await Store.LoadAsync(Ct)).Tools);
        Assert.Equal(ChangeDecisionStatus.NotFound, (await Store.RejectChangeAsync("nope", "dave", Ct)).Status);
    }

    private async Task<StagedChange> StageImportAsync()
    {
        var tools = Specs.Compile(Specs.Dealers()).ToList();
        var payload = new System.Text.Json.Nodes.JsonObject
        {
            ["source"] = "openapi:dealers",
            ["document_hash"] = "hash",
            ["spec_version"] = "3.0.3",
            ["tools"] = JsonSerializer.SerializeToNode(tools, RegistryJsonContext.Default.ListToolDefinition),
        };
        var change = new StagedChange(Guid.NewGuid().ToString("N"), ChangeKinds.Import, null, "openapi:dealers", "import", payload.ToJsonString(), "{}", await Store.GetRevisionAsync(Ct), "tester", Time.GetUtcNow(), ChangeStates.Pending);
        await Store.StageChangeAsync(change, Ct);
        return change;
    }

    private protected Task<ImportResult> ImportAsync(string spec, bool dryRun = false, string source = "dealers")
        => Store.ImportAsync(new ImportRequest("openapi:" + source, Specs.Compile(spec, source), "tester", "hash", "3.0.3", dryRun), Ct);
}
