using System.Diagnostics;
using System.Diagnostics.Metrics;
#pragma warning disable IDE0005 // implied by the Web SDK's implicit usings in most test projects, needed in the others
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
#pragma warning restore IDE0005
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Conformance;

/// <summary>
/// The checks every Msil.Mcp package passes (STYLE.md, "Conformance base"): its registration is idempotent, a bad
/// configuration fails the host's start with an <see cref="OptionsValidationException"/> naming the key, its Meter and
/// ActivitySource carry the documented name (the PackageId, listed in <see cref="MsilMcpTelemetry.SourceNames"/>), and
/// the log categories it creates are under the documented prefix. A package's test project derives one class from it.
/// Linked into the test projects from <c>tests/Shared</c> (it needs xunit, which <c>Msil.Mcp.Testing</c> does not reference).
/// </summary>
/// <typeparam name="TOptions">The package's options type.</typeparam>
public abstract class FeatureConformanceTests<TOptions>
    where TOptions : class
{
    /// <summary>Gets the documented Meter and ActivitySource name (the PackageId).</summary>
    protected abstract string TelemetryName { get; }

    /// <summary>Gets the documented log category prefixes of the package (usually its root namespace).</summary>
    protected virtual IReadOnlyList<string> LogCategoryPrefixes => [TelemetryName];

    /// <summary>Gets the configuration (flat <c>Msil:Mcp:…</c> keys) every host of the test starts from.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>();

    /// <summary>Gets configuration entries that make the package's options invalid, added over <see cref="Configuration"/>.</summary>
    protected abstract IReadOnlyDictionary<string, string?> BadConfiguration { get; }

    /// <summary>Gets the full key (<c>Msil:Mcp:…</c>) the start failure must name.</summary>
    protected abstract string BadConfigurationKey { get; }

    /// <summary>Gets the host environment name.</summary>
    protected virtual string EnvironmentName => Environments.Development;

    /// <summary>Adds the core (<c>AddMsilMcp</c>) every feature builds on, bound from <c>Msil:Mcp</c> of <paramref name="configuration"/> when given.</summary>
    protected virtual IMsilMcpBuilder AddCore(IServiceCollection services, IConfiguration? configuration)
        => configuration is null ? services.AddMsilMcp() : services.AddMsilMcp(configuration.GetSection("Msil:Mcp"));

    /// <summary>Registers the feature on <paramref name="builder"/> with its defaults (the overload without configuration).</summary>
    protected abstract void AddFeature(IMsilMcpBuilder builder);

    /// <summary>Registers the feature on <paramref name="builder"/>, bound from <paramref name="configuration"/> (the host's root configuration).</summary>
    protected abstract void AddFeature(IMsilMcpBuilder builder, IConfiguration configuration);

    /// <summary>Adds what the feature needs from the host besides <c>AddMsilMcp</c> (test doubles, a second package).</summary>
    protected virtual void AddHostServices(IServiceCollection services)
    {
    }

    /// <summary>Makes the feature do something observable (resolve its telemetry, run a decision), so its Meter and loggers exist.</summary>
    protected abstract ValueTask ExerciseAsync(IServiceProvider services, CancellationToken cancellationToken);

    [Fact]
    public void AddFeature_Twice_RegistersTheSameServicesAsOnce()
    {
        var once = new ServiceCollection();
        var twice = new ServiceCollection();
        foreach (var services in new[] { once, twice })
        {
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
            AddHostServices(services);
        }

        AddFeature(AddCore(once, null));
        var twiceBuilder = AddCore(twice, null);
        AddFeature(twiceBuilder);
        AddFeature(twiceBuilder);

        Assert.Equal(Describe(once), Describe(twice));
    }

    [Fact]
    public async Task Start_BadConfiguration_ThrowsOptionsValidationExceptionNamingTheKey()
    {
        var values = new Dictionary<string, string?>(Configuration);
        foreach (var (key, value) in BadConfiguration)
        {
            values[key] = value;
        }

        using var host = CreateHost(values, capture: null);
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(BadConfigurationKey, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exercise_TelemetryAndLogs_UseTheDocumentedNames()
    {
        Assert.Contains(TelemetryName, MsilMcpTelemetry.SourceNames);
        Assert.Equal(TelemetryName, typeof(TOptions).Assembly.GetName().Name);

        var categories = new CategoryRecorder();
        using var host = CreateHost(new Dictionary<string, string?>(Configuration), categories);
        await ExerciseAsync(host.Services, TestContext.Current.CancellationToken);

        var meters = new HashSet<string>(StringComparer.Ordinal);
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                lock (meters)
                {
                    meters.Add(instrument.Meter.Name);
                }
            };
            listener.Start();
        }

        var sources = new HashSet<string>(StringComparer.Ordinal);
        using (var activities = new ActivityListener { ShouldListenTo = s => { lock (sources) { sources.Add(s.Name); } return false; } })
        {
            ActivitySource.AddActivityListener(activities);
        }

        Assert.Contains(TelemetryName, meters);
        Assert.Contains(TelemetryName, sources);

        // Every category under the package's root namespace is one the package documents.
        var root = typeof(TOptions).Assembly.GetName().Name!;
        var own = categories.Names.Where(n => n.StartsWith(root + ".", StringComparison.Ordinal) || n == root).ToList();
        Assert.All(own, n => Assert.Contains(LogCategoryPrefixes, p => n.StartsWith(p, StringComparison.Ordinal)));
    }

    private IHost CreateHost(Dictionary<string, string?> values, CategoryRecorder? capture)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = EnvironmentName,
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        builder.Configuration.AddInMemoryCollection(values);
        builder.Logging.ClearProviders();
        if (capture is not null)
        {
            builder.Logging.AddProvider(capture);
        }

        AddHostServices(builder.Services);
        AddFeature(AddCore(builder.Services, builder.Configuration), builder.Configuration);
        return builder.Build();
    }

    private static List<string> Describe(IServiceCollection services)
        => [.. services.Select(d => $"{d.ServiceType.FullName}|{d.ServiceKey}|{d.Lifetime}|{Implementation(d)}")];

    private static string Implementation(ServiceDescriptor d)
        => d.IsKeyedService
            ? d.KeyedImplementationType?.FullName ?? d.KeyedImplementationInstance?.GetType().FullName ?? "factory"
            : d.ImplementationType?.FullName ?? d.ImplementationInstance?.GetType().FullName ?? "factory";

    private sealed class CategoryRecorder : ILoggerProvider
    {
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);

        public IReadOnlyList<string> Names
        {
            get
            {
                lock (_names)
                {
                    return [.. _names];
                }
            }
        }

        public ILogger CreateLogger(string categoryName)
        {
            lock (_names)
            {
                _names.Add(categoryName);
            }

            return Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        }

        public void Dispose()
        {
        }
    }
}
