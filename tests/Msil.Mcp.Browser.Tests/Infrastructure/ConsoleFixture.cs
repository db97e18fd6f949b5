using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using ModelContextProtocol.Client;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Browser.Tests.Infrastructure;

/// <summary>
/// One reference server (a child process, Development, embedded defaults) and one headless Chromium shared by every
/// browser test; each test opens its own browser context (<see cref="BrowserTest"/>).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    /// <summary>The name the chat shows for the test model.</summary>
    public const string ChatModelName = "test-model";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _browserProblem;

    /// <summary>Gets the running server.</summary>
    public ReferenceServerProcess Server { get; private set; } = null!;

    /// <summary>
    /// Gets the chat's language model: an OpenAI-compatible test server on loopback that the reference server's chat
    /// (<c>/chat</c>, model "test") is pointed at; the chat scenarios script its turns.
    /// </summary>
    public OpenAiCompatibleTestServer Llm { get; private set; } = null!;

    /// <summary>Gets the server's base address.</summary>
    public string BaseUrl => Server.BaseUrl;

    /// <summary>Gets an HTTP client for calls outside the browser (tokens, REST checks).</summary>
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <inheritdoc/>
    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var chromium = BrowserSettings.ChromiumPath;
        if (!File.Exists(chromium))
        {
            _browserProblem = $"Chromium was not found at {chromium}. {BrowserSettings.InstallHint}";
            return; // no server either: every test fails (or skips) in RequireBrowser
        }

        Llm = await OpenAiCompatibleTestServer.StartAsync(cancellationToken: cts.Token);
        Server = await ReferenceServerProcess.StartAsync(cts.Token,
        [
            "--Msil:Mcp:Chat:Models:0:Name", ChatModelName,
            "--Msil:Mcp:Chat:Models:0:Endpoint", Llm.Endpoint.ToString(),
            "--Msil:Mcp:Chat:Models:0:Model", OpenAiCompatibleTestServer.DefaultModel,
        ]);

        _playwright = await Playwright.CreateAsync();
        try
        {
            // Playwright gives every launch a fresh temporary profile (user-data dir) and deletes it on close.
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = BrowserSettings.Flags,
                Timeout = 60_000,
            });
        }
        catch (PlaywrightException ex)
        {
            _browserProblem = $"Chromium at {chromium} did not start: {ex.Message.Split('\n')[0]}. {BrowserSettings.InstallHint}";
        }
    }

    /// <summary>Returns the browser, or skips (<c>MSIL_SKIP_BROWSER=1</c>) or fails the test saying how to install Chromium.</summary>
    public IBrowser RequireBrowser()
    {
        if (_browser is not null)
        {
            return _browser;
        }

        if (BrowserSettings.SkipWhenMissing)
        {
            Assert.Skip(_browserProblem ?? "The browser is unavailable.");
        }

        throw new InvalidOperationException(_browserProblem ?? "The browser is unavailable.");
    }

    /// <summary>Gets an access token for a demo user from the development issuer (<c>POST /dev/oidc/token</c>).</summary>
    public async Task<string> GetTokenAsync(string username, CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsync($"{BaseUrl}/dev/oidc/token", new FormUrlEncodedContent([new("username", username)]), cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>Connects an MCP client (the C# SDK over Streamable HTTP) as a demo user.</summary>
    public async Task<McpClient> ConnectAsync(string username, CancellationToken cancellationToken)
    {
        var token = await GetTokenAsync(username, cancellationToken);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"{BaseUrl}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        return await McpClient.CreateAsync(transport, cancellationToken: cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        Http.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (Llm is not null)
        {
            await Llm.DisposeAsync();
        }
    }
}

/// <summary>The collection every browser test belongs to: one server and one browser for all.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleGroup : ICollectionFixture<ConsoleFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "console";
}
