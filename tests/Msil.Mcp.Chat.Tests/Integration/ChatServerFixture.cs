using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Msil.Mcp.Abstractions;
using Msil.Mcp.ReferenceServer;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Chat.Tests.Integration;

/// <summary>The reference server on a free loopback port (Development, embedded defaults, audit into memory) and the fake model beside it.</summary>
public sealed class ChatServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = string.Empty;

    public InMemoryAuditSink Audit { get; } = new();

    public OpenAiCompatibleTestServer Llm { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string AuditDirectory { get; } = Path.Combine(Path.GetTempPath(), "msil-mcp-chat-audit-" + Guid.NewGuid().ToString("N")[..8]);

    public async ValueTask InitializeAsync()
    {
        Llm = await OpenAiCompatibleTestServer.StartAsync();
        for (var attempt = 1; ; attempt++)
        {
            BaseUrl = $"http://127.0.0.1:{LoopbackPorts.Free()}";
            _app = ReferenceServerApp.Create(
            [
                "--urls", BaseUrl,
                "--environment", "Development",
                "--Msil:Mcp:Audit:Directory", AuditDirectory,
                "--Logging:LogLevel:Default", "Warning",
                "--Msil:Mcp:Chat:Models:0:Name", "test",
                "--Msil:Mcp:Chat:Models:0:Endpoint", Llm.Endpoint.ToString(),
                "--Msil:Mcp:Chat:Models:0:Model", OpenAiCompatibleTestServer.DefaultModel,
            ], builder =>
            {
                // Every governed call's record also lands here, so tests can read whose identity the server saw.
                builder.Services.RemoveAll<IAuditSink>();
                builder.Services.AddSingleton<IAuditSink>(Audit);
            });
            try
            {
                await _app.StartAsync();
                return;
            }
            catch (IOException ex) when (attempt < 5 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                await _app.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Llm.DisposeAsync();
        try
        {
            Directory.Delete(AuditDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    public async Task<string> GetTokenAsync(string username)
    {
        using var response = await Http.PostAsync($"{BaseUrl}/dev/oidc/token", new FormUrlEncodedContent([new("username", username)]));
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>Approves an elevation the way a person does on the development PIM page: posts its form.</summary>
    public async Task ApproveOnDevelopmentPimPageAsync(Uri approvalUrl)
    {
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(approvalUrl.Query);
        using var response = await Http.PostAsync(new Uri(approvalUrl.GetLeftPart(UriPartial.Path)), new FormUrlEncodedContent(
        [
            new("user", query["user"].ToString()),
            new("principal", query["principal"].ToString()),
            new("scope", query["scope"].ToString()),
        ]));
        response.EnsureSuccessStatusCode();
    }
}

[CollectionDefinition(Name)]
public sealed class ChatServerGroup : ICollectionFixture<ChatServerFixture>
{
    public const string Name = "chat-server";
}
