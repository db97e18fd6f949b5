using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
#pragma warning disable IDE0005 // implied by the Web SDK's implicit usings in most test projects, needed in the others
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
#pragma warning restore IDE0005
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Conformance;

/// <summary>
/// The checks every Msil.Mcp package passes (STYLE.md, "Conformance base"): its registration is idempotent, a bad
/// configuration fails the host's start with an <see cref="OptionsValidationException"/> naming the key, its Meter and
/// ActivitySource carry the documented name (the PackageId, listed in <see cref="MsilMcpTelemetry.SourceNames"/>), the
/// log categories it creates are under the prefixes docs/telemetry.md documents for it ("Log categories", read by
/// <see cref="LogCategoryCheck"/>), and its health checks carry the <c>ready</c> tag and its name. A package's test
/// project derives one class from it.
/// Linked into the test projects from <c>tests/Shared</c> (it needs xunit, which <c>Msil.Mcp.Testing</c> does not reference).
/// </summary>
/// <typeparam name="TOptions">The package's options type.</typeparam>
public abstract class FeatureConformanceTests<TOptions>
    where TOptions : class
{
    /// <summary>Gets the documented Meter and ActivitySource name (the PackageId).</summary>
    protected abstract string TelemetryName { get; }

    /// <summary>Gets the documented log category prefixes of the package: its row of the "Log categories" table in docs/telemetry.md.</summary>
    protected virtual IReadOnlyList<string> LogCategoryPrefixes => LogCategoryCheck.DocumentedPrefixes(TelemetryName);

    /// <summary>Gets a value indicating whether the package registers a health check (each must carry <c>ready</c> and the package name).</summary>
    protected virtual bool HasHealthCheck => true;

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

    /// <summary>
    /// Registers the package with its defaults <paramref name="times"/> times on <paramref name="services"/>: by default
    /// <see cref="AddCore"/> once and <see cref="AddFeature(IMsilMcpBuilder)"/> that many times. A package whose feature
    /// is the core itself, or that registers through its own extension (a web application), overrides this.
    /// </summary>
    protected virtual void AddDefaults(IServiceCollection services, int times)
    {
        var builder = AddCore(services, null);
        for (var i = 0; i < times; i++)
        {
            AddFeature(builder);
        }
    }

    /// <summary>Registers the package bound from <paramref name="configuration"/> (the host's root configuration): by default <see cref="AddCore"/> and <see cref="AddFeature(IMsilMcpBuilder, IConfiguration)"/>.</summary>
    protected virtual void AddConfigured(IServiceCollection services, IConfiguration configuration)
        => AddFeature(AddCore(services, configuration), configuration);

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

        AddDefaults(once, 1);
        AddDefaults(twice, 2);

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

        // The package logged, only under the prefixes docs/telemetry.md gives it, and none of its types takes a logger of another's category.
        var problems = LogCategoryCheck.Check(typeof(TOptions).Assembly, LogCategoryPrefixes, categories.Names);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void HealthChecks_OfThePackage_CarryTheReadyTagAndThePackageName()
    {
        using var host = CreateHost(new Dictionary<string, string?>(Configuration), capture: null);
        using var scope = host.Services.CreateScope();
        var services = scope.ServiceProvider;

        // A registration is the package's when its check is a type of the package's assembly.
        var assembly = typeof(TOptions).Assembly;
        var own = services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations
            .Where(r => r.Factory(services).GetType().Assembly == assembly)
            .ToList();

        if (!HasHealthCheck)
        {
            Assert.Empty(own);
            return;
        }

        Assert.NotEmpty(own);
        Assert.All(own, r => Assert.True(
            r.Tags.SetEquals([Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag, TelemetryName]),
            $"The health check '{r.Name}' is tagged [{string.Join(", ", r.Tags)}]; every check carries exactly 'ready' and its package's name '{TelemetryName}' (docs/telemetry.md, Health)."));
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
        AddConfigured(builder.Services, builder.Configuration);
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

/// <summary>
/// The log-category rule of the conformance base, on its own so that it can be tested failing: the documented prefixes of a
/// package come from the "Log categories" table of docs/telemetry.md (found from the test's base directory upward); a
/// package must create at least one logger, every category of its own (a type of its assembly, or a name under its root
/// namespace) must be under a documented prefix, and none of its types may take an <see cref="ILogger{TCategoryName}"/>
/// of a category outside them (a framework type's, another package's).
/// </summary>
public static class LogCategoryCheck
{
    private const string Heading = "### Log categories";

    /// <summary>Gets the category prefixes docs/telemetry.md documents for <paramref name="package"/>.</summary>
    /// <param name="package">The PackageId, as in the table's first column.</param>
    /// <returns>The prefixes of the package's row.</returns>
    public static IReadOnlyList<string> DocumentedPrefixes(string package)
    {
        var table = ReadTable(File.ReadAllLines(FindDocument()));
        Assert.True(table.TryGetValue(package, out var prefixes), $"docs/telemetry.md, '{Heading}', has no row for {package}: add one with its category prefixes.");
        return prefixes;
    }

    /// <summary>Reads the "Log categories" table: one row per package, <c>| `Package` | `Prefix`, `Prefix` |</c>.</summary>
    /// <param name="lines">The lines of docs/telemetry.md.</param>
    /// <returns>The prefixes by package.</returns>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadTable(IReadOnlyList<string> lines)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var start = lines.ToList().FindIndex(l => l.Trim() == Heading);
        if (start < 0)
        {
            return result;
        }

        var inTable = false;
        for (var i = start + 1; i < lines.Count && !lines[i].StartsWith('#'); i++)
        {
            var line = lines[i].Trim();
            if (!line.StartsWith('|'))
            {
                if (inTable)
                {
                    break;
                }

                continue;
            }

            inTable = true;
            var cells = line.Trim('|').Split('|');
            if (cells.Length < 2 || !cells[0].Contains('`', StringComparison.Ordinal))
            {
                continue; // the header and the separator
            }

            result[Quoted(cells[0]).Single()] = Quoted(cells[1]);
        }

        return result;
    }

    /// <summary>Checks what a package logged against its documented prefixes.</summary>
    /// <param name="package">The package's assembly (its name is the PackageId and its root namespace).</param>
    /// <param name="prefixes">The documented category prefixes.</param>
    /// <param name="created">Every category created while the package ran.</param>
    /// <returns>What is wrong, one line each; empty when the package conforms.</returns>
    public static IReadOnlyList<string> Check(Assembly package, IReadOnlyList<string> prefixes, IEnumerable<string> created)
    {
        ArgumentNullException.ThrowIfNull(package);
        var problems = new List<string>();
        var root = package.GetName().Name!;
        var typeNames = new HashSet<string>(Types(package).Select(CategoryOf), StringComparer.Ordinal);
        var own = created.Where(c => typeNames.Contains(c) || IsUnder(c, root)).Distinct(StringComparer.Ordinal).ToList();
        if (own.Count == 0)
        {
            problems.Add($"{root} created no logger while exercised: make the subclass's ExerciseAsync resolve and use services that log.");
        }

        problems.AddRange(own.Where(c => !prefixes.Any(p => IsUnder(c, p)))
            .Select(c => $"{root} logs under '{c}', outside its documented prefixes ({string.Join(", ", prefixes)}): log under the package's namespace, or document the prefix in docs/telemetry.md."));

        foreach (var type in Types(package))
        {
            var loggers = type.GetConstructors(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
                .SelectMany(c => c.GetParameters()).Select(p => p.ParameterType)
                .Concat(type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly).Select(f => f.FieldType))
                .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ILogger<>))
                .Select(t => t.GetGenericArguments()[0])
                .Where(c => !c.IsGenericParameter)
                .Distinct();
            foreach (var category in loggers)
            {
                var name = CategoryOf(category);
                if (!prefixes.Any(p => IsUnder(name, p)))
                {
                    problems.Add($"{type.FullName} takes ILogger<{name}>, a category outside {root}'s documented prefixes ({string.Join(", ", prefixes)}): take ILogger<{type.Name}> (or a type of the package).");
                }
            }
        }

        return problems;
    }

    /// <summary>Finds docs/telemetry.md from the test's base directory upward (the repository root holds <c>docs</c>).</summary>
    /// <returns>The file's path.</returns>
    public static string FindDocument()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "docs", "telemetry.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"docs/telemetry.md was not found above {AppContext.BaseDirectory}: run the tests from the repository's build output.");
    }

    // The category ILogger<T> takes: nested types joined with '.', no generic arity (as Microsoft.Extensions.Logging names it).
    private static string CategoryOf(Type type)
    {
        var name = (type.FullName ?? type.Name).Replace('+', '.');
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }

    private static bool IsUnder(string category, string prefix)
        => category == prefix || (category.StartsWith(prefix, StringComparison.Ordinal) && category.Length > prefix.Length && category[prefix.Length] == '.');

    private static List<string> Quoted(string cell)
        => [.. cell.Split('`').Where((_, i) => i % 2 == 1).Select(p => p.Trim()).Where(p => p.Length > 0)];

    private static Type[] Types(Assembly assembly)
    {
        try
        {
            return [.. assembly.GetTypes().Where(t => t.FullName is not null && !t.Name.StartsWith('<'))];
        }
        catch (ReflectionTypeLoadException ex)
        {
            return [.. ex.Types.Where(t => t is not null && t.FullName is not null && !t.Name.StartsWith('<')).Select(t => t!)];
        }
    }
}
