using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry.Tests.OpenApi;

public sealed class ToolNamingTests
{
    [Theory]
    [InlineData("getDealers", "get_dealers")]
    [InlineData("getDealerEnquiries", "get_dealer_enquiries")]
    [InlineData("listCoreV1NamespacedPod", "list_core_v1_namespaced_pod")]
    [InlineData("HTTPServerList", "http_server_list")]
    [InlineData("get dealers (v2)!", "get_dealers_v2")]
    [InlineData("__already_snake__", "already_snake")]
    [InlineData("files#get_shared_link", "files_get_shared_link")]
    [InlineData("get-dealer-list", "get-dealer-list")]
    [InlineData("!!!", "")]
    public void ToSnakeCase_OperationId_ConvertsToSnakeCase(string operationId, string expected) =>
        Assert.Equal(expected, ToolNaming.ToSnakeCase(operationId));

    [Theory]
    [InlineData("GET", "/v1/dealers/{id}", "get_v1_dealers_by_id")]
    [InlineData("POST", "/v1/dealers/{dealerId}/enquiries", "post_v1_dealers_by_dealer_id_enquiries")]
    [InlineData("GET", "/", "get_root")]
    [InlineData("DELETE", "/files/{file_id}.json", "delete_files_by_file_id_json")]
    public void FromMethodAndPath_NoOperationId_BuildsName(string method, string path, string expected) =>
        Assert.Equal(expected, ToolNaming.FromMethodAndPath(method, path));

    [Fact]
    public void Truncate_NameLongerThan64_KeepsPrefixAndAppendsStableHash()
    {
        var name = string.Concat(Enumerable.Repeat("segment_", 12));

        var truncated = ToolNaming.Truncate(name);

        Assert.Equal(64, truncated.Length);
        Assert.Equal(name[..57] + "_" + ToolNaming.ShortHash(name), truncated);
        Assert.Equal(truncated, ToolNaming.Truncate(name));
        Assert.True(ToolNaming.IsValidToolName(truncated));
        Assert.Equal("short_name", ToolNaming.Truncate("short_name"));

        // A stem that would end in '_' is trimmed so the suffix is not preceded by "__".
        var underscored = new string('a', 56) + "_" + new string('b', 20);
        Assert.Equal(new string('a', 56) + "_" + ToolNaming.ShortHash(underscored), ToolNaming.Truncate(underscored));
    }

    [Fact]
    public void WithSuffix_SameKey_GivesSameSuffix()
    {
        var first = ToolNaming.WithSuffix("get_pets", "GET /b");

        Assert.Equal("get_pets_" + ToolNaming.ShortHash("GET /b"), first);
        Assert.Equal(first, ToolNaming.WithSuffix("get_pets", "GET /b"));
        Assert.NotEqual(first, ToolNaming.WithSuffix("get_pets", "GET /c"));
        Assert.Matches("^[0-9a-f]{6}$", ToolNaming.ShortHash("anything"));
    }

    [Theory]
    [InlineData("region", "region")]
    [InlineData("X-Request-Id", "X-Request-Id")]
    [InlineData("StartTime<", "StartTime_lt")]
    [InlineData("StartTime>", "StartTime_gt")]
    [InlineData("filter[name]", "filter_name")]
    [InlineData("$top", "top")]
    [InlineData("a.b", "a.b")]
    public void ToArgumentName_WireName_GivesAcceptedArgumentName(string wire, string expected)
    {
        var name = ToolNaming.ToArgumentName(wire);

        Assert.Equal(expected, name);
        Assert.True(ToolNaming.IsValidArgumentName(name));
    }

    [Fact]
    public void Reserve_TakenName_AppendsCounterThenSeededHash()
    {
        var taken = new HashSet<string>(StringComparer.Ordinal) { "id", "id_2" };

        Assert.Equal("id_3", ToolNaming.Reserve(taken, "id", "query:id"));
        Assert.Equal("name", ToolNaming.Reserve(taken, "name", "query:name"));
        Assert.Contains("id_3", taken);

        for (var n = 4; n < 10; n++)
        {
            Assert.Equal("id_" + n, ToolNaming.Reserve(taken, "id", "seed" + n));
        }

        Assert.Equal("id_" + ToolNaming.ShortHash("header:ID"), ToolNaming.Reserve(taken, "id", "header:ID"));
    }
}
