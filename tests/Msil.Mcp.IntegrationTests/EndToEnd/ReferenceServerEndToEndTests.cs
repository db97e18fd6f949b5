using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Audit;
using Msil.Mcp.IntegrationTests.Infrastructure;
using Msil.Mcp.SampleBackend;

namespace Msil.Mcp.IntegrationTests.EndToEnd;

/// <summary>The reference server driven by the C# SDK's MCP client over real HTTP on loopback.</summary>
[Collection(ReferenceServerGroup.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ReferenceServerEndToEndTests(ReferenceServerFixture server)
{
    private static readonly string[] ReadTools = ["get_dealer_enquiries", "get_vehicle_inventory"];
    private static readonly string[] WriteTools = ["create_booking", "update_enquiry_status", "process_payment"];
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListTools_Operator_SeesReadAndWriteToolsWithAnnotationsInStableOrder()
    {
        await using var client = await server.ConnectAsync("bob");

        var tools = await client.ListToolsAsync(cancellationToken: Ct);

        var names = tools.Select(t => t.Name).ToArray();
        Assert.Equal(ReadTools.Concat(WriteTools).Order(StringComparer.Ordinal), names);
        Assert.DoesNotContain("delete_customer_data", names);
        var inventory = tools.Single(t => t.Name == "get_vehicle_inventory").ProtocolTool;
        Assert.True(inventory.Annotations?.ReadOnlyHint);
        var booking = tools.Single(t => t.Name == "create_booking").ProtocolTool;
        Assert.False(booking.Annotations?.ReadOnlyHint);
        Assert.False(booking.Annotations?.DestructiveHint);
    }

    [Fact]
    public async Task ListTools_Admin_SeesPrivilegedToolAsDestructive()
    {
        await using var client = await server.ConnectAsync("carol");

        var tools = await client.ListToolsAsync(cancellationToken: Ct);

        var delete = Assert.Single(tools, t => t.Name == "delete_customer_data").ProtocolTool;
        Assert.True(delete.Annotations?.DestructiveHint);
        Assert.Equal(6, tools.Count);
    }

    [Fact]
    public async Task CallTool_OperatorReadsInventory_ReturnsStructuredContent()
    {
        await using var client = await server.ConnectAsync("bob");

        var result = await client.CallToolAsync("get_vehicle_inventory", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        var structured = Assert.NotNull(result.StructuredContent);
        Assert.Equal(JsonValueKind.Object, structured.ValueKind);
        Assert.True(structured.GetProperty("vehicles").GetArrayLength() > 0);
    }

    [Fact]
    public async Task ListTools_Viewer_LacksWriteTools()
    {
        await using var client = await server.ConnectAsync("alice");

        var names = (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToArray();

        Assert.Equal(ReadTools, names);
    }

    [Fact]
    public async Task CallTool_ViewerCallsWriteToolWithNoArguments_ToldExactlyWhatAMadeUpNameIsTold()
    {
        await using var client = await server.ConnectAsync("alice");

        var hidden = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("create_booking", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());
        var madeUp = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("create_bookings", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        // Issue 17: validation used to answer first and list every required field of a tool alice may not even list.
        Assert.Equal(madeUp.ErrorCode, hidden.ErrorCode);
        Assert.Equal(madeUp.Message.Replace("create_bookings", "create_booking", StringComparison.Ordinal), hidden.Message);
        Assert.DoesNotContain("customer_id", hidden.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("viewer", hidden.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_WrongArgumentType_ToolErrorNamesTheField()
    {
        await using var client = await server.ConnectAsync("bob");

        var result = await client.CallToolAsync(new CallToolRequestParams
        {
            Name = "get_dealer_enquiries",
            Arguments = new Dictionary<string, JsonElement> { ["id"] = JsonDocument.Parse("42").RootElement },
        }, Ct);

        Assert.True(result.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Contains("id", text, StringComparison.Ordinal);
        Assert.Contains("string", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_WithoutToken_Returns401WithResourceMetadataChallenge()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{server.BaseUrl}/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");

        using var response = await server.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = string.Join(" ", response.Headers.WwwAuthenticate.Select(h => h.ToString()));
        Assert.Contains("Bearer", challenge, StringComparison.Ordinal);
        Assert.Contains("resource_metadata=", challenge, StringComparison.Ordinal);
        Assert.Contains("/.well-known/oauth-protected-resource", challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProtectedResourceMetadata_NamesTheDevelopmentIssuer()
    {
        var metadata = await server.Http.GetFromJsonAsync<JsonElement>($"{server.BaseUrl}/.well-known/oauth-protected-resource", Ct);

        Assert.Equal($"{server.BaseUrl}/mcp", metadata.GetProperty("resource").GetString());
        Assert.Contains($"{server.BaseUrl}/dev/oidc", metadata.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Post_WithForgedToken_Returns401()
    {
        var token = await server.GetTokenAsync("bob");
        var parts = token.Split('.');
        var forged = parts[0] + "." + parts[1].Replace('A', 'B') + "." + parts[2];
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{server.BaseUrl}/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", forged);

        using var response = await server.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task CallTool_Backend_SeesExchangedTokenNeverTheCallers()
    {
        var recorder = server.Services.GetRequiredService<SampleBackendRequestRecorder>();
        var callerToken = await server.GetTokenAsync("bob");
        var transport = new ModelContextProtocol.Client.HttpClientTransport(new()
        {
            Endpoint = new Uri($"{server.BaseUrl}/mcp"),
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + callerToken },
        });
        await using var client = await ModelContextProtocol.Client.McpClient.CreateAsync(transport, cancellationToken: Ct);

        var result = await client.CallToolAsync("get_dealer_enquiries", new Dictionary<string, object?> { ["id"] = "DL001" }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        var seen = recorder.GetRecentRequests().First(r => r.Path.EndsWith("/v1/dealers/DL001/enquiries", StringComparison.Ordinal));
        Assert.NotNull(seen.Authorization);
        var auth = seen.Authorization;
        Assert.True(auth.Validated);
        Assert.Equal("user-bob", auth.Subject);
        Assert.Contains(SampleBackendDefaults.Audience, auth.Audiences);
        Assert.Contains("msil-mcp-server", auth.Actor ?? string.Empty, StringComparison.Ordinal);
        Assert.NotEqual(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(callerToken))), auth.TokenSha256?.Replace("sha256:", string.Empty, StringComparison.Ordinal));
        Assert.Equal("get_dealer_enquiries", seen.Headers.First(h => h.Key.Equals("X-MCP-Tool-Name", StringComparison.OrdinalIgnoreCase)).Value);
        Assert.Equal("read", seen.Headers.First(h => h.Key.Equals("X-MCP-Risk-Level", StringComparison.OrdinalIgnoreCase)).Value);
        Assert.Contains(seen.Headers, h => h.Key.Equals("X-Correlation-ID", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task CallTool_PrivilegedWithoutGrant_UrlElicitationRequiredThenSucceedsAfterGrant()
    {
        await using var client = await server.ConnectAsync("carol");
        var args = new Dictionary<string, object?> { ["id"] = "C005" };

        var ex = await Assert.ThrowsAnyAsync<McpProtocolException>(() => client.CallToolAsync("delete_customer_data", args, cancellationToken: Ct).AsTask());
        Assert.Equal(McpErrorCode.UrlElicitationRequired, ex.ErrorCode);
        Assert.Contains("/dev/pim/approve", ex.Message, StringComparison.Ordinal);
        var principal = Uri.UnescapeDataString(System.Text.RegularExpressions.Regex.Match(ex.Message, "[?&]principal=([^&\\s\"]+)").Groups[1].Value);
        Assert.NotEmpty(principal);

        var approverToken = await server.GetTokenAsync("pim-approver");
        using var grant = new HttpRequestMessage(HttpMethod.Post, $"{server.BaseUrl}/api/pim/grants")
        {
            Content = JsonContent.Create(new Dictionary<string, object>
            {
                ["user_id"] = "carol@example.test",
                ["principal_key"] = principal,
                ["scope"] = "delete_customer_data",
                ["approval_reference"] = "PIM-2026-000042",
                ["expires_at"] = TimeProvider.System.GetUtcNow().AddMinutes(10).ToString("O"),
            }),
        };
        grant.Headers.Authorization = new("Bearer", approverToken);
        using (var granted = await server.Http.SendAsync(grant, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        }

        var result = await client.CallToolAsync("delete_customer_data", args, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.True(result.StructuredContent?.GetProperty("erased").GetBoolean());
    }

    [Fact]
    public async Task Audit_AfterCalls_ChainVerifiesAndRecordsDenials()
    {
        await using (var alice = await server.ConnectAsync("alice"))
        {
            await Assert.ThrowsAsync<McpProtocolException>(() => alice.CallToolAsync("create_booking", new Dictionary<string, object?>
            {
                ["customer_id"] = "C001", ["vehicle_id"] = "V001", ["dealer_id"] = "DL001",
            }, cancellationToken: Ct).AsTask());
        }

        await using (var bob = await server.ConnectAsync("bob"))
        {
            await bob.CallToolAsync("get_vehicle_inventory", new Dictionary<string, object?>(), cancellationToken: Ct);
        }

        var lines = Directory.EnumerateFiles(server.AuditDirectory, "*.jsonl").SelectMany(File.ReadLines).ToArray();
        Assert.Contains(lines, l => l.Contains("\"tool\":\"create_booking\"", StringComparison.Ordinal) && l.Contains("\"outcome\":\"denied\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"tool\":\"get_vehicle_inventory\"", StringComparison.Ordinal) && l.Contains("\"outcome\":\"success\"", StringComparison.Ordinal));
        var verification = AuditLogVerifier.VerifyDirectory(server.AuditDirectory);
        Assert.True(verification.IsValid, verification.Problem);
        Assert.Equal(lines.Length, verification.Records);
    }

    [Fact]
    public async Task Request_FromForeignOrigin_Refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{server.BaseUrl}/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", "http://evil.example");

        using var response = await server.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Request_WithForeignHostHeader_Refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{server.BaseUrl}/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Host = "evil.example";

        using var response = await server.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
