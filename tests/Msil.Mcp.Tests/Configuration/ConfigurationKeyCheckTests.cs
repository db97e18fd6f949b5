using Msil.Mcp.Configuration;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Tasks;

namespace Msil.Mcp.Tests.Configuration;

public sealed class ConfigurationKeyCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly KnownConfigurationSection[] Known =
    [
        new("Msil:Mcp", typeof(MsilMcpOptions)),
        new("Msil:Mcp:RateLimit", typeof(RateLimitOptions)),
    ];

    [Fact]
    public void FindUnknownKeys_MisspelledSection_NamesTheKeyAndSuggestsTheSpelling()
    {
        var configuration = Build(new() { ["Msil:Mcp:RateLimti:Enabled"] = "false", ["Msil:Mcp:RateLimti:KeyPrefix"] = "x" });

        var problem = Assert.Single(ConfigurationKeyCheck.FindUnknownKeys(configuration, Known));

        Assert.StartsWith("Msil:Mcp:RateLimti: ", problem, StringComparison.Ordinal);
        Assert.Contains("did you mean 'Msil:Mcp:RateLimit'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void FindUnknownKeys_MisspelledProperty_NamesTheKeyWithinTheSection()
    {
        var configuration = Build(new() { ["Msil:Mcp:ServerNmae"] = "orders", ["Msil:Mcp:RateLimit:Enabeld"] = "true" });

        var problems = ConfigurationKeyCheck.FindUnknownKeys(configuration, Known);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Msil:Mcp:ServerNmae: ", StringComparison.Ordinal) && p.Contains("'Msil:Mcp:ServerName'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Msil:Mcp:RateLimit:Enabeld: ", StringComparison.Ordinal) && p.Contains("'Msil:Mcp:RateLimit:Enabled'", StringComparison.Ordinal));
    }

    [Fact]
    public void FindUnknownKeys_KnownScalarsListsAndCaseVariants_ReportsNothing()
    {
        var configuration = Build(new()
        {
            ["Msil:Mcp:ServerName"] = "orders",
            ["msil:mcp:sessionmode"] = "Stateful",
            ["Msil:Mcp:AllowedOrigins:0"] = "https://a.example",
            ["Msil:Mcp:RateLimit:Enabled"] = "true",
            ["Other:Section"] = "not ours",
        });

        Assert.Empty(ConfigurationKeyCheck.FindUnknownKeys(configuration, Known));
    }

    [Fact]
    public void FindUnknownKeys_SectionBoundToTwoTypes_KnowsTheKeysOfBoth()
    {
        KnownConfigurationSection[] known =
        [
            .. Known,
            new("Msil:Mcp:Console", typeof(RateLimitOptions)),
            new("Msil:Mcp:Console", typeof(ToolTaskOptions)),
        ];
        var configuration = Build(new()
        {
            ["Msil:Mcp:Console:Enabled"] = "true",
            ["Msil:Mcp:Console:ImmediateResultWindowMs"] = "100",
            ["Msil:Mcp:Console:Enabeld"] = "true",
        });

        var problem = Assert.Single(ConfigurationKeyCheck.FindUnknownKeys(configuration, known));

        Assert.StartsWith("Msil:Mcp:Console:Enabeld: ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void FindUnknownKeys_KeyBelowAScalar_IsUnknown()
    {
        var configuration = Build(new() { ["Msil:Mcp:ServerName:Value"] = "orders" });

        var problem = Assert.Single(ConfigurationKeyCheck.FindUnknownKeys(configuration, Known));

        Assert.StartsWith("Msil:Mcp:ServerName:Value: ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunMsilMcpAsync_UnknownKeyInProduction_OneLineAndExitCode()
    {
        var builder = CreateBuilder("Production", "--Msil:Mcp:Regsitry:Store=Sqlite");
        builder.AddMsilMcp();
        var errors = new StringWriter();

        var code = await MsilMcpHostExtensions.RunMsilMcpAsync(builder.Build, errors, Ct);

        Assert.Equal(MsilMcpHostExtensions.ConfigurationErrorExitCode, code);
        var line = Assert.Single(Lines(errors));
        Assert.StartsWith("Msil:Mcp:Regsitry: no registered package reads this setting", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UnknownKeyInDevelopment_WarnsAndStarts()
    {
        var builder = CreateBuilder("Development", "--Msil:Mcp:Regsitry:Store=Sqlite");
        builder.Services.AddFakeLogging();
        builder.AddMsilMcp();
        await using var app = builder.Build();

        await app.StartAsync(Ct);

        var warning = Assert.Single(app.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Name == "UnknownConfigurationKey");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Msil:Mcp:Regsitry:", warning.Message, StringComparison.Ordinal);
        await app.StopAsync(Ct);
    }

    [Fact]
    public async Task RunMsilMcpAsync_EnumValueNotValid_ListsTheValidValues()
    {
        var builder = CreateBuilder("Development", "--Msil:Mcp:SessionMode=Sometimes");
        builder.AddMsilMcp();
        var errors = new StringWriter();

        var code = await MsilMcpHostExtensions.RunMsilMcpAsync(builder.Build, errors, Ct);

        Assert.Equal(MsilMcpHostExtensions.ConfigurationErrorExitCode, code);
        var line = Assert.Single(Lines(errors));
        Assert.Equal("Msil:Mcp:SessionMode: 'Sometimes' is not a valid value; use one of Stateless, Stateful.", line);
    }

    [Fact]
    public async Task RunMsilMcpAsync_OptionsValidationFailure_OneLinePerFailure()
    {
        var builder = CreateBuilder("Development", "--Msil:Mcp:ServerName=has spaces", "--Msil:Mcp:ToolsListPageSize=-1");
        builder.AddMsilMcp();
        var errors = new StringWriter();

        var code = await MsilMcpHostExtensions.RunMsilMcpAsync(builder.Build, errors, Ct);

        Assert.Equal(MsilMcpHostExtensions.ConfigurationErrorExitCode, code);
        var lines = Lines(errors);
        Assert.Contains(lines, l => l.Contains("Msil:Mcp:ServerName", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Msil:Mcp:ToolsListPageSize", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_EmptyCatalog_WarnsAndLogsReadyAfterStart()
    {
        var builder = CreateBuilder("Development");
        builder.Services.AddFakeLogging();
        builder.AddMsilMcp();
        builder.Services.AddSingleton<ReadyProbe>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReadyProbe>()); // starts after the server's own services
        await using var app = builder.Build();

        await app.StartAsync(Ct);

        var records = app.Services.GetFakeLogCollector().GetSnapshot();
        Assert.False(app.Services.GetRequiredService<ReadyProbe>().ReadyLoggedBeforeItStarted);
        Assert.Single(records, r => r.Id.Name == "EmptyCatalog" && r.Level == LogLevel.Warning);
        var ready = Assert.Single(records, r => r.Id.Name == "Ready");
        Assert.Contains("ready with 0 tool(s)", ready.Message, StringComparison.Ordinal);
        await app.StopAsync(Ct);
    }

    /// <summary>A hosted service registered after the server's: "ready" must not be logged before it has started.</summary>
    private sealed class ReadyProbe(IServiceProvider services) : IHostedService
    {
        public bool ReadyLoggedBeforeItStarted { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            ReadyLoggedBeforeItStarted = services.GetFakeLogCollector().GetSnapshot().Any(r => r.Id.Name == "Ready");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static WebApplicationBuilder CreateBuilder(string environment, params string[] args)
    {
        var builder = WebApplication.CreateBuilder(["--environment", environment, "--urls", "http://127.0.0.1:0", "--AllowedHosts", "127.0.0.1", .. args]);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        return builder;
    }

    private static IConfiguration Build(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static string[] Lines(StringWriter writer) => writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
}
