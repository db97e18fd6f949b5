using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation.Tests.Support;

/// <summary>The elevation services without a web server: a gate, its store, a fake clock, recorded audit and metrics.</summary>
internal sealed class GateFixture : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services;

    public GateFixture(Action<ElevationOptions>? configure = null, Action<IServiceCollection>? services = null, string environment = "Development")
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment, ApplicationName = "tests", ContentRootPath = AppContext.BaseDirectory });
        collection.AddSingleton<TimeProvider>(Time);
        collection.AddMsilMcp().AddElevation(o => configure?.Invoke(o));
        collection.RemoveAll<IAuditSink>();
        collection.AddSingleton<IAuditSink>(Audit);
        services?.Invoke(collection);
        _services = collection.BuildServiceProvider();
        Events = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), ElevationTelemetry.Name, ElevationTelemetry.EventsInstrument);
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public Msil.Mcp.Testing.InMemoryAuditSink Audit { get; } = new();

    public MetricCollector<long> Events { get; }

    public IServiceProvider Services => _services;

    public ElevationGate Gate => _services.GetRequiredService<ElevationGate>();

    public IElevationGrantStore Store => _services.GetRequiredService<IElevationGrantStore>();

    public static CallerIdentity Caller(string user = "carol@example.test") => new() { UserId = user, Subject = "sub-" + user, Roles = ["admin"] };

    public ValueTask<ElevationCheck> CheckAsync(string tool = TestTools.Privileged, string user = "carol@example.test", string arguments = """{"id":"C042"}""", string correlationId = "corr-1")
        => Gate.CheckAsync(Caller(user), TestTools.Get(tool), TestTools.Args(arguments), correlationId, TestContext.Current.CancellationToken);

    public ValueTask SaveAsync(string scope = TestTools.Privileged, TimeSpan? lifetime = null, string user = "carol@example.test", bool singleUse = false, string? argumentsHash = null, DateTimeOffset? grantedAt = null, string reference = "PIM-2026-000042")
        => Store.SaveAsync(new ElevationGrant
        {
            UserId = user,
            PrincipalKey = Caller(user).PrincipalKey,
            Scope = scope,
            GrantedAt = grantedAt ?? Time.GetUtcNow(),
            ExpiresAt = Time.GetUtcNow() + (lifetime ?? TimeSpan.FromHours(1)),
            ApprovalReference = reference,
            SingleUse = singleUse,
            ArgumentsHash = argumentsHash,
        }, TestContext.Current.CancellationToken);

    public long EventCount(string name) => Events.GetMeasurementSnapshot().Where(m => Equals(m.Tags[ElevationTelemetry.EventTag], name)).Sum(m => m.Value);

    public void Dispose()
    {
        Events.Dispose();
        _services.Dispose();
    }
}
