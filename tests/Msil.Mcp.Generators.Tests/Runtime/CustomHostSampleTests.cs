using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Msil.Mcp.CustomHost;

namespace Msil.Mcp.Generators.Tests.Runtime;

/// <summary>The custom-host sample on its embedded defaults: a token from its development issuer, then generated tools.</summary>
public sealed class CustomHostSampleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CustomHost_GeneratedTools_AreGovernedEndToEnd()
    {
        var url = $"http://127.0.0.1:{Msil.Mcp.Testing.LoopbackPorts.Free()}";
        var audit = Path.Combine(Path.GetTempPath(), "msil-customhost-" + Guid.NewGuid().ToString("N"));
        await using var app = CustomHostApp.Create(["--environment", "Development", "--urls", url], b =>
        {
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            b.Services.Configure<Msil.Mcp.Audit.AuditOptions>(o => o.Directory = audit);
        });
        await app.StartAsync(Ct);
        try
        {
            await using (var bob = await ConnectAsync(url, "bob"))
            {
                var tools = await bob.ListToolsAsync(cancellationToken: Ct);
                Assert.Contains(tools, t => t.Name == "reserve_stock");

                var stock = await bob.CallToolAsync("get_stock_level", new Dictionary<string, object?> { ["partNumber"] = "P-1001" }, cancellationToken: Ct);
                Assert.Equal(40, stock.StructuredContent!.Value.GetProperty("quantity").GetInt32());
                Assert.Equal("MAIN", stock.StructuredContent!.Value.GetProperty("depot").GetString());

                var reserved = await bob.CallToolAsync("reserve_stock", new Dictionary<string, object?>
                {
                    ["lines"] = new[] { new { partNumber = "P-1001", quantity = 3 } },
                }, cancellationToken: Ct);
                Assert.NotEqual(true, reserved.IsError);
                Assert.StartsWith("Reserved 1 line(s) for bob", Assert.IsType<TextContentBlock>(reserved.Content.Single()).Text, StringComparison.Ordinal);

                var invalid = await bob.CallToolAsync("get_stock_level", new Dictionary<string, object?> { ["partNumber"] = "1001" }, cancellationToken: Ct);
                Assert.True(invalid.IsError);
                Assert.Contains("partNumber", Assert.IsType<TextContentBlock>(invalid.Content.Single()).Text, StringComparison.Ordinal);
            }

            await using (var alice = await ConnectAsync(url, "alice"))
            {
                await Assert.ThrowsAnyAsync<Exception>(() => alice.CallToolAsync("reserve_stock", new Dictionary<string, object?>
                {
                    ["lines"] = new[] { new { partNumber = "P-1001", quantity = 1 } },
                }, cancellationToken: Ct).AsTask());
            }

            await using (var carol = await ConnectAsync(url, "carol"))
            {
                // Privileged: policy allows an admin, but elevation is required first.
                await Assert.ThrowsAnyAsync<Exception>(() => carol.CallToolAsync("write_off_stock", new Dictionary<string, object?>
                {
                    ["partNumber"] = "P-1002",
                    ["reason"] = "water damage",
                }, cancellationToken: Ct).AsTask());
            }
        }
        finally
        {
            await app.StopAsync(Ct);
            if (Directory.Exists(audit))
            {
                Directory.Delete(audit, recursive: true);
            }
        }
    }

    private static async Task<McpClient> ConnectAsync(string url, string user)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(url + "/dev/oidc/token", new FormUrlEncodedContent([new("username", user)]), Ct);
        response.EnsureSuccessStatusCode();
        var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("access_token").GetString()!;
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(url + "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        return await McpClient.CreateAsync(transport, cancellationToken: Ct);
    }

}
