using System.Text.Json;
using ModelContextProtocol.Client;
using Msil.Mcp.IntegrationTests.Infrastructure;
using Msil.Mcp.ReferenceServer;
using Npgsql;

namespace Msil.Mcp.IntegrationTests.ScaleOut;

/// <summary>
/// Three reference server instances in-process on loopback, sharing the real PostgreSQL (audit table) and Redis (rate
/// limits, elevation grants, the issuer's keys), behind a <see cref="RoundRobinProxy"/>. Instance A runs the development
/// issuer; B and C trust it as an ordinary OIDC issuer (discovery and JWKS over HTTP), so one token works everywhere, as
/// with a real identity provider. Every key and table carries this run's random suffix.
/// </summary>
public sealed class ScaleOutCluster : IAsyncLifetime
{
    /// <summary>The read-tool bucket every instance is configured with: 6 calls at once, then one a minute.</summary>
    public const int ReadBurst = 6;

    private readonly string _run = Guid.NewGuid().ToString("N")[..10];
    private readonly List<WebApplication> _apps = [];
    private readonly List<string> _directories = [];

    public IReadOnlyList<string> Instances { get; private set; } = [];

    public RoundRobinProxy Proxy { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string AuditTable => "audit_scale_" + _run;

    /// <summary>The PostgreSQL schema of this run's shared tool registry.</summary>
    public string RegistrySchema => "registry_scale_" + _run;

    public string PostgresConnectionString { get; } = TestServices.Require("TEST_POSTGRES_CONNECTION_STRING");

    public async ValueTask InitializeAsync()
    {
        var redis = TestServices.Require("REDIS_CONNECTION_STRING");
        var urls = Enumerable.Range(0, 3).Select(_ => $"http://127.0.0.1:{Msil.Mcp.Testing.LoopbackPorts.Free()}").ToArray();
        var issuer = urls[0] + "/dev/oidc";
        // Replicas 1 and 2 exchange tokens at replica 0's development issuer: the exchange needs a client secret all
        // three share (without one, each process makes its own and the others' exchanges are refused).
        var clientSecret = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        for (var i = 0; i < urls.Length; i++)
        {
            var directory = Path.Combine(Path.GetTempPath(), $"msil-mcp-scale-{_run}-{i}");
            _directories.Add(directory);
            List<string> args =
            [
                "--urls", urls[i],
                "--environment", "Development",
                "--Logging:LogLevel:Default", "Warning",
                "--Msil:Mcp:Audit:Directory", directory,
                "--Msil:Mcp:Audit:ChainId", $"scale-{_run}-{i}",
                "--Msil:Mcp:Audit:PostgreSql:ConnectionString", PostgresConnectionString,
                "--Msil:Mcp:Audit:PostgreSql:TableName", AuditTable,
                "--Msil:Mcp:RateLimit:Store", "Redis",
                "--Msil:Mcp:RateLimit:RedisConnectionString", redis,
                "--Msil:Mcp:RateLimit:KeyPrefix", $"test:{_run}:msil:rl:",
                "--Msil:Mcp:RateLimit:Read:PermitsPerMinute", "1",
                "--Msil:Mcp:RateLimit:Read:Burst", ReadBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--Msil:Mcp:Elevation:Store", "Redis",
                "--Msil:Mcp:Elevation:RedisConnectionString", redis,
                "--Msil:Mcp:Elevation:RedisKeyPrefix", $"test:{_run}:elevation:",
                "--Msil:Mcp:Auth:RedisConnectionString", redis,
                "--Msil:Mcp:Registry:Store", "PostgreSql",
                "--Msil:Mcp:Registry:ConnectionString", PostgresConnectionString,
                "--Msil:Mcp:Registry:Schema", RegistrySchema,
                "--Msil:Mcp:Registry:Redis", redis,
                "--Msil:Mcp:Auth:Downstream:ClientSecret", clientSecret,
            ];
            if (i > 0)
            {
                args.AddRange(
                [
                    "--Msil:Mcp:Auth:DevelopmentIssuer:Enabled", "false",
                    "--Msil:Mcp:Auth:Issuers:0:Issuer", issuer,
                    "--Msil:Mcp:Auth:Issuers:0:RequireHttpsMetadata", "false",
                    "--Msil:Mcp:Auth:Downstream:TokenEndpoint", issuer + "/token",
                    "--SampleBackend:Authority", issuer,
                ]);
            }

            var app = ReferenceServerApp.Create([.. args]);
            _apps.Add(app);
            await app.StartAsync(TestContext.Current.CancellationToken);
        }

        Instances = urls;
        Proxy = await RoundRobinProxy.StartAsync(urls, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        foreach (var app in _apps)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        Http.Dispose();
        foreach (var directory in _directories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS public.{AuditTable} CASCADE; DROP SCHEMA IF EXISTS {RegistrySchema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>A token from the cluster's issuer (instance A's development issuer).</summary>
    public async Task<string> GetTokenAsync(string username)
    {
        using var response = await Http.PostAsync($"{Instances[0]}/dev/oidc/token", new FormUrlEncodedContent([new("username", username)]), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>An MCP client of <paramref name="baseUrl"/> (the proxy, or one instance).</summary>
    public async Task<McpClient> ConnectAsync(string baseUrl, string username)
    {
        var token = await GetTokenAsync(username);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(baseUrl + "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        return await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
    }

}
