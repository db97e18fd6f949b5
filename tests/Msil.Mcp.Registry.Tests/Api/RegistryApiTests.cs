using System.Net;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Api;

/// <summary>The import, override, rollback and history endpoints on a real host with a SQLite store.</summary>
public sealed class RegistryApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Import_AsAdmin_StoresServesAndAudits()
    {
        await using var host = await RegistryTestHost.StartAsync();

        var response = await host.ImportAsync(Specs.Dealers());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await RegistryTestHost.JsonAsync(response);
        Assert.True(body.GetProperty("stored").GetBoolean());
        Assert.Equal(["create_dealer", "delete_dealer", "get_dealers"], body.GetProperty("added").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(["create_dealer", "delete_dealer", "get_dealers"], host.Catalog.Current.Tools.Select(t => t.Name));
        Assert.Equal("1.0.0", host.Catalog.Current.Tools[0].Version);
        var create = host.Catalog.Current.Tools.Single(t => t.Name == "create_dealer");
        Assert.True(create.Idempotent);

        // Its Idempotency-Key header is not an argument: the executor sends one key per call.
        Assert.DoesNotContain(create.Http!.Parameters, p => p.Name.Equals("Idempotency-Key", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("dempotency", create.InputSchema.GetRawText(), StringComparison.Ordinal);
        var record = Assert.Single(host.Audit.WithAction(AuditActions.Import));
        Assert.Equal(AuditOutcomes.Success, record.Outcome);
        Assert.Equal("alice", record.UserId);
        Assert.Contains("3 added", record.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_NotAdmin_ForbiddenAndNothingStored()
    {
        await using var host = await RegistryTestHost.StartAsync();

        var response = await host.ImportAsync(Specs.Dealers(), user: "bob", role: "viewer");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Msil:Mcp:Registry:AdminRole", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(host.Catalog.Current.Tools);
        Assert.Equal(0, await Registry(host).Store.GetRevisionAsync(Ct));
    }

    [Fact]
    public async Task Import_DryRun_ReturnsDiffWithReasonsAndStoresNothing()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());
        var revision = await Registry(host).Store.GetRevisionAsync(Ct);

        var response = await host.ImportAsync(Specs.Dealers(listSummary: "Other words", withDelete: false, withExtra: true), dryRun: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await RegistryTestHost.JsonAsync(response);
        Assert.False(body.GetProperty("stored").GetBoolean());
        Assert.Equal("get_regions", body.GetProperty("added")[0].GetProperty("name").GetString());
        Assert.Contains("description", body.GetProperty("changed")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("delete_dealer", body.GetProperty("removed")[0].GetProperty("name").GetString());
        Assert.Contains("no longer in the document", body.GetProperty("removed")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, body.GetProperty("unchanged").GetInt32());
        Assert.Equal(revision, await Registry(host).Store.GetRevisionAsync(Ct));
        Assert.Contains(host.Catalog.Current.Tools, t => t.Name == "delete_dealer");
    }

    [Theory]
    [InlineData("{\"openapi\": \"3.0.3\", \"info\": {", "application/json")]
    [InlineData("openapi: 3.0.3\ninfo: [unclosed\n  paths: {", "application/yaml")]
    [InlineData("just some text that is not OpenAPI", "text/plain")]
    public async Task Import_MalformedDocument_400NamingTheProblemAndNothingStored(string document, string contentType)
    {
        await using var host = await RegistryTestHost.StartAsync();

        var response = await host.ImportAsync(document, contentType: contentType);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await RegistryTestHost.JsonAsync(response);
        Assert.Contains("Nothing was stored", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(body.GetProperty("report").EnumerateArray());
        Assert.Equal(0, await Registry(host).Store.GetRevisionAsync(Ct));
        Assert.Equal(AuditOutcomes.Failed, Assert.Single(host.Audit.WithAction(AuditActions.Import)).Outcome);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Import_BodyOverSizeLimit_413WhileReading(bool announceLength)
    {
        await using var host = await RegistryTestHost.StartAsync(o => o.MaxDocumentBytes = 64 * 1024);
        var big = Specs.Dealers() + "\n# " + new string('x', 200 * 1024) + "\n";
        HttpContent content = announceLength
            ? new StringContent(big, Encoding.UTF8, "application/yaml")
            : new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(big)));

        var response = await host.SendAsync(HttpMethod.Post, "/api/mcp/tools/import?source=dealers", content, "alice", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Msil:Mcp:Registry:MaxDocumentBytes", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await Registry(host).Store.GetRevisionAsync(Ct));
    }

    [Fact]
    public async Task Import_YamlAliasBomb_BoundedAndServerResponsive()
    {
        await using var host = await RegistryTestHost.StartAsync();
        var builder = new StringBuilder("openapi: 3.0.0\ninfo: {title: t, version: '1'}\nx-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        var previous = "a";
        for (var i = 0; i < 9; i++)
        {
            var name = "b" + i;
            builder.Append($"x-{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n");
            previous = name;
        }

        builder.Append("paths:\n  /a:\n    get:\n      operationId: getA\n      responses: {'200': {description: ok}}\n");

        var response = await host.ImportAsync(builder.ToString());

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.OK, response.StatusCode.ToString());
        Assert.True(host.Catalog.Current.Tools.Count <= 1);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/api/mcp/tools")).StatusCode);
    }

    [Fact]
    public async Task Import_AbsurdNesting_400AndNothingStored()
    {
        await using var host = await RegistryTestHost.StartAsync();
        var deep = "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"x-deep\":" + new string('[', 100_000) + new string(']', 100_000) + ",\"paths\":{}}";

        var response = await host.ImportAsync(deep, contentType: "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("depth", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await Registry(host).Store.GetRevisionAsync(Ct));
    }

    [Fact]
    public async Task Import_TenThousandOperations_422NothingStoredServerResponsive()
    {
        await using var host = await RegistryTestHost.StartAsync();

        var import = host.ImportAsync(Specs.ManyOperations(10_000), contentType: "application/json");
        var meanwhile = await host.GetAsync("/api/mcp/tools");
        var response = await import;

        Assert.Equal(HttpStatusCode.OK, meanwhile.StatusCode);
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Contains("10000 operations", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await Registry(host).Store.GetRevisionAsync(Ct));
        Assert.Empty(host.Catalog.Current.Tools);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/spec.yaml", "not on Msil:Mcp:Registry:AllowedImportHosts")]
    [InlineData("http://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("http://10.1.2.3/spec.yaml", "private")]
    [InlineData("file:///etc/passwd", "http(s) URL")]
    public async Task Import_UrlNotAllowed_400AndNothingFetched(string url, string expected)
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var host = await RegistryTestHost.StartAsync(o =>
        {
            o.AllowedImportHosts.Add("169.254.169.254");
            o.AllowedImportHosts.Add("10.1.2.3");
        });

        var response = await host.ImportAsync(JsonSerializer.Serialize(new { url = url.Replace("{port}", port.ToString()) }), contentType: "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(listener.Pending(), "the import connected to the URL");
        Assert.Equal(0, await Registry(host).Store.GetRevisionAsync(Ct));
    }

    [Fact]
    public async Task Import_UrlOnAllowList_FetchesAndStores()
    {
        await using var server = await SpecServer.StartAsync(Specs.Dealers());
        await using var host = await RegistryTestHost.StartAsync(o =>
        {
            o.AllowedImportHosts.Add("127.0.0.1");
            o.AllowPrivateAddresses = true;
        });

        var response = await host.ImportAsync(JsonSerializer.Serialize(new { url = server.Url }), contentType: "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, host.Catalog.Current.Tools.Count);
    }

    [Fact]
    public async Task Import_LoopbackHostOnAllowListWithoutPrivateAddresses_NothingFetched()
    {
        await using var server = await SpecServer.StartAsync(Specs.Dealers());
        await using var host = await RegistryTestHost.StartAsync(o => o.AllowedImportHosts.Add("localhost"));

        var response = await host.ImportAsync(JsonSerializer.Serialize(new { url = server.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) }), contentType: "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("loopback, private or link-local", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task Import_ExternalRefToPrivateAddress_ReportedNeverFetched()
    {
        await using var host = await RegistryTestHost.StartAsync();
        var spec = """
            {"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/meta":{"post":{"operationId":"postMeta","summary":"Post",
              "requestBody":{"content":{"application/json":{"schema":{"$ref":"http://169.254.169.254/latest/meta-data"}}}},
              "responses":{"200":{"description":"ok"}}}}}}
            """;

        var response = await host.ImportAsync(spec, contentType: "application/json");

        var body = await RegistryTestHost.JsonAsync(response);
        Assert.Contains(body.GetProperty("report").EnumerateArray(), r => r.GetProperty("code").GetString() == "reference-unresolved");
    }

    [Fact]
    public async Task Override_FixedAndHiddenParameters_LeaveSchemaAndFixedValueIsBoundAtExecution()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());

        var put = await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", JsonContent.Create(new
        {
            description = "Dealers of the northern region",
            hidden_parameters = new[] { "limit" },
            fixed_parameters = new Dictionary<string, object> { ["region"] = "north" },
        }), "alice", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await using var client = await host.ConnectAsync("bob", "viewer");
        var listed = (await client.ListToolsAsync(cancellationToken: Ct)).Single(t => t.Name == "get_dealers");
        Assert.Equal("Dealers of the northern region", listed.Description);
        Assert.False(listed.JsonSchema.GetProperty("properties").TryGetProperty("region", out _));
        Assert.False(listed.JsonSchema.GetProperty("properties").TryGetProperty("limit", out _));

        var result = await client.CallToolAsync("get_dealers", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        var call = Assert.Single(host.Executor.Invocations);
        Assert.Equal("north", call.Arguments["region"].GetString());
        Assert.False(call.Arguments.ContainsKey("limit"));
        Assert.DoesNotContain(call.Tool.Http!.Parameters, p => p.Argument == "limit");
        Assert.Equal(AuditOutcomes.Success, Assert.Single(host.Audit.WithAction(AuditActions.RegistryOverride)).Outcome);

        var delete = await host.SendAsync(HttpMethod.Delete, "/api/mcp/tools/get_dealers/override", null, "alice", RegistryTestHost.Admin);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.True(host.Catalog.Current.Tools.Single(t => t.Name == "get_dealers").InputSchema.GetProperty("properties").TryGetProperty("region", out _));
    }

    [Fact]
    public async Task Discovery_ListAndGet_CarryTheSeedsEndpointMethodQueryParamsAndSourceSpec()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());

        var list = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/tools?search=get_dealers"));
        var one = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/tools/get_dealers"));

        foreach (var tool in new[] { list.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "get_dealers"), one })
        {
            Assert.Equal("/v1/dealers", tool.GetProperty("api_endpoint").GetString());
            Assert.Equal("GET", tool.GetProperty("http_method").GetString());
            Assert.Equal(["region", "limit"], tool.GetProperty("query_params").EnumerateArray().Select(p => p.GetString()));
            Assert.Equal("dealers", tool.GetProperty("source_spec").GetString());
            Assert.Equal("read", tool.GetProperty("risk_level").GetString());
        }
    }

    [Fact]
    public async Task Discovery_OverrideHidesAndFixesParameters_QueryParamsNameNeither()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());
        var put = await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", JsonContent.Create(new
        {
            hidden_parameters = new[] { "limit" },
            fixed_parameters = new Dictionary<string, object> { ["region"] = "north" },
        }), "alice", RegistryTestHost.Admin);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var one = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/tools/get_dealers"));

        Assert.Empty(one.GetProperty("query_params").EnumerateArray());
    }

    [Fact]
    public async Task CallTool_InputSchemaSharingADefinition_ValidatesArgumentsThroughDefs()
    {
        await using var host = await RegistryTestHost.StartAsync();
        var spec = await File.ReadAllTextAsync(Path.Combine(OpenApi.OpenApiCorpus.Root, "tests", "Msil.Mcp.Registry.Tests", "OpenApi", "Specs", OpenApi.OpenApiCorpus.Expandable), Ct);
        Assert.Equal(HttpStatusCode.OK, (await host.ImportAsync(spec, source: "payments", contentType: "application/json")).StatusCode);
        var create = host.Catalog.Current.Tools.Single(t => t.Name == "create_customer");
        Assert.Equal("{\"$ref\":\"#/$defs/address\"}", create.InputSchema.GetProperty("properties").GetProperty("address").GetRawText());
        await using var client = await host.ConnectAsync("bob");

        var refused = await client.CallToolAsync("create_customer", new Dictionary<string, object?>
        {
            ["address"] = new Dictionary<string, object?> { ["city"] = 5 },
            ["shipping"] = new Dictionary<string, object?> { ["line1"] = new string('x', 5001) },
        }, cancellationToken: Ct);
        var accepted = await client.CallToolAsync("create_customer", new Dictionary<string, object?>
        {
            ["address"] = new Dictionary<string, object?> { ["city"] = "Pune", ["line2"] = null },
            ["shipping"] = new Dictionary<string, object?> { ["line1"] = "1 Main Road" },
        }, cancellationToken: Ct);

        Assert.True(refused.IsError);
        var message = string.Join(" ", refused.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(b => b.Text));
        Assert.Contains("city", message, StringComparison.Ordinal);
        Assert.Contains("line1", message, StringComparison.Ordinal);
        Assert.NotEqual(true, accepted.IsError);
        var call = Assert.Single(host.Executor.Invocations);
        Assert.Equal("Pune", call.Arguments["address"].GetProperty("city").GetString());
    }

    [Fact]
    public async Task Override_Invalid_400NamingEachProblem()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());

        var response = await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", new StringContent("""{"hidden_parameters":["region","ghost"]}""", Encoding.UTF8, "application/json"), "alice", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString();
        Assert.Contains("'ghost' is not an argument", detail, StringComparison.Ordinal);
        Assert.Contains("'region' is required", detail, StringComparison.Ordinal);
        Assert.Equal(404, (int)(await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/nope/override", JsonContent.Create(new { enabled = false }), "alice", RegistryTestHost.Admin)).StatusCode);
        Assert.Equal(403, (int)(await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", JsonContent.Create(new { enabled = false }), "bob", "viewer")).StatusCode);
    }

    [Fact]
    public async Task Override_RenameAndDisable_ChangeWhatIsServedAndSurviveReimport()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());

        await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", JsonContent.Create(new { name = "find_dealers" }), "alice", RegistryTestHost.Admin);
        await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/delete_dealer/override", JsonContent.Create(new { enabled = false }), "alice", RegistryTestHost.Admin);
        await host.ImportAsync(Specs.Dealers(listSummary: "New upstream words"));

        Assert.Equal(["create_dealer", "find_dealers"], host.Catalog.Current.Tools.Select(t => t.Name));
        var get = await host.GetAsync("/api/mcp/tools/find_dealers", "alice", RegistryTestHost.Admin);
        var body = await RegistryTestHost.JsonAsync(get);
        Assert.Equal("get_dealers", body.GetProperty("stored_name").GetString());
        Assert.Equal(2, body.GetProperty("versions").GetArrayLength());
        Assert.Equal("2.0.0", body.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Rollback_ServesEarlierVersionShowsVersionsAndAudits()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());
        await host.ImportAsync(Specs.Dealers(listSummary: "Second wording"));
        Assert.Equal("Second wording", host.Catalog.Current.Tools.Single(t => t.Name == "get_dealers").Description);

        var response = await host.SendAsync(HttpMethod.Post, "/api/mcp/tools/get_dealers/rollback", JsonContent.Create(new { version = 1 }), "alice", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await RegistryTestHost.JsonAsync(response);
        Assert.True(body.GetProperty("pinned").GetBoolean());
        Assert.Equal(1, body.GetProperty("current_version").GetInt32());
        var served = host.Catalog.Current.Tools.Single(t => t.Name == "get_dealers");
        Assert.Equal(("List dealers", "1.0.0"), (served.Description, served.Version));
        var get = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/tools/get_dealers", "alice", RegistryTestHost.Admin));
        Assert.Equal(["2.0.0", "1.0.0"], get.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        Assert.True(get.GetProperty("versions")[1].GetProperty("current").GetBoolean());
        Assert.Equal(AuditOutcomes.Success, Assert.Single(host.Audit.WithAction(AuditActions.RegistryRollback)).Outcome);

        var bad = await host.SendAsync(HttpMethod.Post, "/api/mcp/tools/get_dealers/rollback", JsonContent.Create(new { version = 9 }), "alice", RegistryTestHost.Admin);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("no version 9", (await RegistryTestHost.JsonAsync(bad)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Imports_HistoryListedForAdminsOnly()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());
        await host.ImportAsync(Specs.Dealers(withDelete: false));

        var response = await host.GetAsync("/api/mcp/imports", "alice", RegistryTestHost.Admin);

        var imports = (await RegistryTestHost.JsonAsync(response)).GetProperty("imports");
        Assert.Equal(2, imports.GetArrayLength());
        Assert.Equal(1, imports[0].GetProperty("removed").GetInt32());
        Assert.Equal("alice", imports[0].GetProperty("actor").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await host.GetAsync("/api/mcp/imports", "bob", "viewer")).StatusCode);
    }

    [Fact]
    public async Task Discovery_FiltersAndPagesStoredTools()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());

        var body = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/tools?risk_level=write&page_size=1"));

        Assert.Equal(2, body.GetProperty("total").GetInt32());
        Assert.Equal(1, body.GetProperty("tools").GetArrayLength());
        Assert.Equal("create_dealer", body.GetProperty("tools")[0].GetProperty("name").GetString());
        Assert.Equal("write", body.GetProperty("tools")[0].GetProperty("risk_level").GetString());
    }

    [Fact]
    public async Task ListChanged_StatefulSession_NotifiedWhenAnImportChangesTools()
    {
        await using var host = await RegistryTestHost.StartAsync(core: o => o.SessionMode = McpSessionMode.Stateful);
        await host.ImportAsync(Specs.Dealers());
        await using var client = await host.ConnectAsync("bob", "viewer");
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = client.RegisterNotificationHandler("notifications/tools/list_changed", (_, _) =>
        {
            received.TrySetResult();
            return ValueTask.CompletedTask;
        });

        await host.ImportAsync(Specs.Dealers(withExtra: true));

        await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Contains("get_regions", (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name));
    }

    [Fact]
    public async Task StartupSource_ImportedIntoStoreOnceAcrossRestarts()
    {
        var directory = Path.Combine(Path.GetTempPath(), "msil-registry-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var database = Path.Combine(directory, "registry.db");
        try
        {
            void Configure(ToolRegistryOptions o)
            {
                o.SqlitePath = database;
                o.Sources.Add(new OpenApiSourceOptions { Name = "dealers", Open = () => new MemoryStream(Encoding.UTF8.GetBytes(Specs.Dealers())) });
            }

            await using (var first = await RegistryTestHost.StartAsync(Configure))
            {
                Assert.Equal(3, first.Catalog.Current.Tools.Count);
                await first.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", JsonContent.Create(new { description = "Curated" }), "alice", RegistryTestHost.Admin);
            }

            await using var second = await RegistryTestHost.StartAsync(Configure);
            Assert.Equal("Curated", second.Catalog.Current.Tools.Single(t => t.Name == "get_dealers").Description);
            var history = await Registry(second).Store.GetToolAsync("get_dealers", Ct);
            Assert.Single(history!.Versions);
            Assert.Equal("system:startup", (await Registry(second).Store.GetImportsAsync(0, 1, Ct))[0].Actor);

            // Start-up imports are audited once the host has started (the audit sink may need its own services running).
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (second.Audit.WithAction(AuditActions.Import).Count == 0 && waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(20, Ct);
            }

            Assert.Equal("system:startup", Assert.Single(second.Audit.WithAction(AuditActions.Import)).UserId);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Start_InvalidOptions_FailNamingTheKey()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => RegistryTestHost.StartAsync(o =>
        {
            o.Store = ToolStoreKind.PostgreSql;
            o.Schema = "Bad-Schema";
        }));

        Assert.Contains("Msil:Mcp:Registry:ConnectionString", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Msil:Mcp:Registry:Schema", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ChangedTool_ReportListsChangedFields()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());

        var response = await host.ImportAsync(Specs.Dealers(listSummary: "Other words"), dryRun: true);

        var changed = Assert.Single((await RegistryTestHost.JsonAsync(response)).GetProperty("changed").EnumerateArray());
        Assert.Equal("get_dealers", changed.GetProperty("name").GetString());
        Assert.Contains("description", changed.GetProperty("changed_fields").EnumerateArray().Select(f => f.GetString()));
        Assert.DoesNotContain("input_schema", changed.GetProperty("changed_fields").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task PutOverride_FieldOfTheWrongJsonType_400NamingTheFieldAndNothingChanged()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());

        var response = await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", new StringContent("""{"enabled": "no"}""", Encoding.UTF8, "application/json"), "alice", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString()!;
        Assert.Contains("Field 'enabled'", detail, StringComparison.Ordinal);
        Assert.Contains("hidden_parameters", detail, StringComparison.Ordinal);
        Assert.True(host.Catalog.Current.TryGetTool("get_dealers", out _));
        Assert.Empty(host.Audit.WithAction(AuditActions.RegistryOverride));
    }

    [Fact]
    public async Task PutOverride_BodyOver256KB_413NamingTheLimit()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());
        var body = "{\"description\": \"" + new string('a', 300 * 1024) + "\"}";

        var response = await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", new StringContent(body, Encoding.UTF8, "application/json"), "alice", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("256 KB", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(host.Audit.WithAction(AuditActions.RegistryOverride));
    }

    [Fact]
    public async Task Rollback_VersionAsAString_400NamingTheField()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());

        var response = await host.SendAsync(HttpMethod.Post, "/api/mcp/tools/get_dealers/rollback", new StringContent("""{"version": "1"}""", Encoding.UTF8, "application/json"), "alice", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Field 'version'", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_BodyOver64KB_413()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());
        var body = "{\"version\": 1, \"pad\": \"" + new string('a', 70 * 1024) + "\"}";

        var response = await host.SendAsync(HttpMethod.Post, "/api/mcp/tools/get_dealers/rollback", new StringContent(body, Encoding.UTF8, "application/json"), "alice", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("64 KB", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("page=0", "'page'")]
    [InlineData("page_size=501", "'page_size'")]
    [InlineData("page_size=ten", "'page_size'")]
    [InlineData("risk_level=high", "'risk_level'")]
    public async Task DiscoveryList_BadQueryParameter_400NamingTheParameter(string query, string field)
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());

        var response = await host.GetAsync("/api/mcp/tools?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString()!;
        Assert.Contains(field, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(field == "'page'" ? "'page_size'" : "'page'", detail, StringComparison.Ordinal);
    }

    private static ToolRegistry Registry(RegistryTestHost host) => host.Services.GetRequiredService<ToolRegistry>();

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}

/// <summary>A loopback server that serves one document and counts requests.</summary>
internal sealed class SpecServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private SpecServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<SpecServer> StartAsync(string document)
    {
        var port = Msil.Mcp.Testing.LoopbackPorts.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        SpecServer? server = null;
        app.MapGet("/spec.yaml", () =>
        {
            Interlocked.Increment(ref server!._requests);
            return Results.Text(document, "application/yaml");
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        server = new SpecServer(app, $"http://127.0.0.1:{port}/spec.yaml");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
