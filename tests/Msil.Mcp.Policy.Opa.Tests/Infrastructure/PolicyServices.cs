using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa.Embedded;
using Msil.Mcp.Policy.Opa.Opa;

namespace Msil.Mcp.Policy.Opa.Tests.Infrastructure;

/// <summary>The package registered as a host would (AddMsilMcp().AddOpaPolicy(…)), with a fake clock.</summary>
internal sealed class PolicyServices : IDisposable
{
    private readonly ServiceProvider _provider;

    public PolicyServices(Action<OpaPolicyOptions> configure, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton<TimeProvider>(Time);
        services.AddMsilMcp().AddOpaPolicy(configure);
        _provider = services.BuildServiceProvider();
    }

    public FakeTimeProvider Time { get; }

    public IServiceProvider Services => _provider;

    public FakeLogCollector Logs => _provider.GetFakeLogCollector();

    public IMeterFactory MeterFactory => _provider.GetRequiredService<IMeterFactory>();

    public IPolicyDecisionPoint Policy => _provider.GetRequiredService<IPolicyDecisionPoint>();

    public EmbeddedPolicyDecisionPoint Embedded => _provider.GetRequiredService<EmbeddedPolicyDecisionPoint>();

    public OpaPolicyDecisionPoint Opa => _provider.GetRequiredService<OpaPolicyDecisionPoint>();

    public void Dispose() => _provider.Dispose();
}

/// <summary>A temporary copy of a data file, deleted afterwards.</summary>
internal sealed class TempDataFile : IDisposable
{
    private readonly string _dir;

    public TempDataFile(string json)
    {
        _dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "msil-policy-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        Path = System.IO.Path.Combine(_dir, "data.json");
        File.WriteAllText(Path, json);
    }

    public string Path { get; }

    public static TempDataFile CopyOfShipped() => new(File.ReadAllText(RepoFiles.Policy("data.json")));

    /// <summary>Replaces the file's content and moves its write time on, so a change is seen even on coarse file systems.</summary>
    public void Write(string json)
    {
        var before = File.GetLastWriteTimeUtc(Path);
        File.WriteAllText(Path, json);
        File.SetLastWriteTimeUtc(Path, before.AddSeconds(2));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
