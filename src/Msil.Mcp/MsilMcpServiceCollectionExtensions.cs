using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Configuration;
using Msil.Mcp.Defaults;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Pipeline;
using Msil.Mcp.Pipeline.Stages;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Redis;
using Msil.Mcp.Tasks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the governed MCP server to a host.</summary>
public static class MsilMcpServiceCollectionExtensions
{
    /// <summary>Adds the governed MCP server with its embedded defaults, configured in code.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Configures the options; may be <see langword="null"/>.</param>
    /// <returns>The builder, for the feature packages' <c>Add…()</c> methods.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddMsilMcp(this IServiceCollection services, Action<MsilMcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = AddCore(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    /// <summary>Adds the governed MCP server, binding its options from <paramref name="section"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="section">The configuration section, usually <c>Msil:Mcp</c>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddMsilMcp(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        var builder = AddCore(services);
        services.AddOptions<MsilMcpOptions>().Bind(section);
        services.AddOptions<RateLimitOptions>().Bind(section.GetSection("RateLimit"));
        services.AddOptions<ToolTaskOptions>().Bind(section.GetSection(ToolTaskOptions.SectionName));
        services.AddOptions<MsilMcpRedisOptions>().Bind(section.GetSection(MsilMcpRedisOptions.SectionName));
        services.AddOptions<UserDirectoryOptions>().Bind(section.GetSection(UserDirectoryOptions.SectionName));
        services.AddOptions<MsilMcpWarmUpOptions>().Bind(section.GetSection(MsilMcpWarmUpOptions.SectionName));
        builder.AddConfigurationSection(section, typeof(MsilMcpOptions))
            .AddConfigurationSection(section.GetSection("RateLimit"), typeof(RateLimitOptions))
            .AddConfigurationSection(section.GetSection(ToolTaskOptions.SectionName), typeof(ToolTaskOptions))
            .AddConfigurationSection(section.GetSection(MsilMcpRedisOptions.SectionName), typeof(MsilMcpRedisOptions))
            .AddConfigurationSection(section.GetSection(UserDirectoryOptions.SectionName), typeof(UserDirectoryOptions))
            .AddConfigurationSection(section.GetSection(MsilMcpWarmUpOptions.SectionName), typeof(MsilMcpWarmUpOptions));
        return builder;
    }

    /// <summary>
    /// Declares that <paramref name="section"/> is bound to <paramref name="optionsType"/>, so the start-up check of keys under
    /// <c>Msil:Mcp</c> knows them. Every package's <c>Add…(IConfiguration)</c> overload does this; a host that reads its own
    /// keys under <c>Msil:Mcp</c> declares them the same way. A key no declared type has is logged as a warning at start,
    /// and fails the start in Production.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The section, for example <c>configuration.GetSection("Msil:Mcp:Registry")</c>.</param>
    /// <param name="optionsType">The type bound from it; its public properties (and theirs) are the known keys.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddConfigurationSection(
        this IMsilMcpBuilder builder,
        IConfiguration section,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(optionsType);
        var path = section is IConfigurationSection s ? s.Path : string.Empty;
        var known = new KnownConfigurationSection(path, optionsType);
        if (!builder.Services.Any(d => known.Equals(d.ImplementationInstance)))
        {
            builder.Services.AddSingleton(known);
        }

        return builder;
    }

    /// <summary>Adds the governed MCP server to a host builder, binding the <c>Msil:Mcp</c> section, then applying <paramref name="configure"/>.</summary>
    /// <param name="builder">The host builder.</param>
    /// <param name="configure">Configures the options after binding; may be <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddMsilMcp(this IHostApplicationBuilder builder, Action<MsilMcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var mcp = builder.Services.AddMsilMcp(builder.Configuration.GetSection(MsilMcpOptions.SectionName));
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        return mcp;
    }

    /// <summary>Replaces the tool catalog (the embedded one keeps tools in memory).</summary>
    /// <typeparam name="TCatalog">The catalog type; registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder UseToolCatalog<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TCatalog>(this IMsilMcpBuilder builder)
        where TCatalog : class, IToolCatalog
    {
        return Replace<IToolCatalog, TCatalog>(builder);
    }

    /// <summary>Replaces the policy decision point (the default fails closed).</summary>
    /// <typeparam name="TPolicy">The policy type; registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder UsePolicyDecisionPoint<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TPolicy>(this IMsilMcpBuilder builder)
        where TPolicy : class, IPolicyDecisionPoint
    {
        return Replace<IPolicyDecisionPoint, TPolicy>(builder);
    }

    /// <summary>Replaces the elevation gate (the default refuses every privileged call).</summary>
    /// <typeparam name="TGate">The gate type; registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder UseElevationGate<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TGate>(this IMsilMcpBuilder builder)
        where TGate : class, IElevationGate
    {
        return Replace<IElevationGate, TGate>(builder);
    }

    /// <summary>Replaces the audit sink (the default records nothing and says so at start).</summary>
    /// <typeparam name="TSink">The sink type; registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder UseAuditSink<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSink>(this IMsilMcpBuilder builder)
        where TSink : class, IAuditSink
    {
        return Replace<IAuditSink, TSink>(builder);
    }

    /// <summary>Replaces the downstream token provider (the default sends no user token).</summary>
    /// <typeparam name="TProvider">The provider type; registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder UseDownstreamTokenProvider<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TProvider>(this IMsilMcpBuilder builder)
        where TProvider : class, IDownstreamTokenProvider
    {
        return Replace<IDownstreamTokenProvider, TProvider>(builder);
    }

    /// <summary>Replaces the rate-limit store (the default keeps buckets in memory, per replica).</summary>
    /// <typeparam name="TStore">The store type; registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder UseRateLimitStore<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>(this IMsilMcpBuilder builder)
        where TStore : class, IRateLimitStore
    {
        return Replace<IRateLimitStore, TStore>(builder);
    }

    /// <summary>Adds a tool executor; one per <see cref="IToolExecutor.Kind"/>.</summary>
    /// <typeparam name="TExecutor">The executor type; registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder AddToolExecutor<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TExecutor>(this IMsilMcpBuilder builder)
        where TExecutor : class, IToolExecutor
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IToolExecutor, TExecutor>());
        return builder;
    }

    /// <summary>Adds tools from code under one source name (replacing that source's earlier tools) when the host starts.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="source">The source name, for example <c>generated:OrderTools</c>.</param>
    /// <param name="tools">The tools.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder AddTools(this IMsilMcpBuilder builder, string source, IReadOnlyCollection<ToolDefinition> tools)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(tools);
        builder.Services.AddSingleton<IToolCatalogSeed>(new ToolCatalogSeed(source, tools));
        return builder;
    }

    /// <summary>
    /// Lets MCP callers without a token in, as one fixed identity with the roles given here, for test and conformance hosts
    /// only. Every governance stage still runs (policy decides on these roles, calls are audited and rate limited under
    /// <paramref name="userId"/>). Off unless a host calls this in code; there is no configuration key. The host refuses to
    /// start in any environment but Development and logs a warning at start there. Only callers the authentication
    /// middleware left unauthenticated get this identity, so do not require authorization on the MCP endpoint.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="userId">The user id recorded for anonymous callers, for example <c>conformance</c>.</param>
    /// <param name="roles">The roles the policy sees for anonymous callers.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="roles"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="userId"/> is empty.</exception>
    public static IMsilMcpBuilder AllowAnonymousCallers(this IMsilMcpBuilder builder, string userId, IReadOnlyList<string> roles)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(roles);
        var identity = new CallerIdentity
        {
            UserId = userId,
            Subject = userId,
            Issuer = AnonymousCallerAccess.Issuer,
            Roles = [.. roles],
            IsAuthenticated = true,
        };
        builder.Services.RemoveAll<AnonymousCallerAccess>();
        builder.Services.AddSingleton(new AnonymousCallerAccess(identity));
        if (!builder.Services.Any(d => d.ImplementationType == typeof(AnonymousCallerGuard)))
        {
            builder.Services.AddHostedService<AnonymousCallerGuard>();
        }

        return builder;
    }

    /// <summary>Replaces every registration of <typeparamref name="TService"/> with the singleton <typeparamref name="TImplementation"/>.</summary>
    private static IMsilMcpBuilder Replace<TService, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TImplementation>(IMsilMcpBuilder builder)
        where TService : class
        where TImplementation : class, TService
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<TService>();
        builder.Services.AddSingleton<TService, TImplementation>();
        return builder;
    }

    private static MsilMcpBuilder AddCore(IServiceCollection services)
    {
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(MsilMcpMarker));
        if (existing?.ImplementationInstance is MsilMcpMarker marker)
        {
            return marker.Builder;
        }

        services.AddOptions<MsilMcpOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilMcpOptions>, MsilMcpOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilMcpOptions>, MsilMcpListOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilMcpOptions>, ConfigurationKeyValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilMcpOptions>, ProductionTransportValidator>());
        services.TryAddSingleton(TimeProvider.System);
        RefusalFilteringLoggerFactory.Install(services);
        services.AddHttpContextAccessor();
        services.AddMetrics();
        services.AddHealthChecks().AddCheck<CatalogHealthCheck>("msil-catalog", tags: [Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag, Msil.Mcp.MsilMcpTelemetry.CoreName]);

        services.TryAddSingleton<InMemoryToolCatalog>();
        services.TryAddSingleton<IToolCatalog>(sp => sp.GetRequiredService<InMemoryToolCatalog>());
        services.TryAddSingleton<IToolCatalogWriter>(sp => sp.GetRequiredService<IToolCatalog>() as IToolCatalogWriter
            ?? throw new InvalidOperationException($"The tool catalog {sp.GetRequiredService<IToolCatalog>().GetType().Name} is read-only; register an IToolCatalogWriter for it."));
        services.TryAddSingleton<ICallerIdentityResolver, ClaimsCallerIdentityResolver>();
        services.TryAddSingleton<IPolicyDecisionPoint, FailClosedPolicyDecisionPoint>();
        services.TryAddSingleton<IElevationGate, NoElevationGate>();
        services.TryAddSingleton<IAuditSink, NullAuditSink>();
        services.TryAddSingleton<IAuditGate, NullAuditSink>();
        services.TryAddSingleton<IAuditArgumentRedactor, NoAuditArgumentRedactor>();
        services.TryAddSingleton<IDownstreamTokenProvider, NoDownstreamTokenProvider>();

        services.AddOptions<RateLimitOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitOptions>, ProductionTransportValidator>());
        services.TryAddSingleton<InMemoryRateLimitStore>();
        RedisRegistration.AddSharedRedis(services);
        RateLimitRedisConnection.AddOverride(services);
        services.TryAddSingleton<RateLimitRedisConnection>();
        services.TryAddSingleton<RedisRateLimitStore>();
        services.TryAddSingleton<IRateLimitStore>(static sp => sp.GetRequiredService<IOptions<RateLimitOptions>>().Value.Store == RateLimitStoreKind.Redis
            ? sp.GetRequiredService<RedisRateLimitStore>()
            : sp.GetRequiredService<InMemoryRateLimitStore>());
        services.AddHealthChecks().AddCheck<RateLimitStoreHealthCheck>(RateLimitStoreHealthCheck.Name, tags: [Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag, Msil.Mcp.MsilMcpTelemetry.CoreName]);
        services.TryAddSingleton<RateLimitStage>();
        services.TryAddSingleton<MsilMcpMetrics>();
        services.TryAddSingleton<RequestMetricsFilter>();
        services.TryAddSingleton<ToolExecutorRegistry>();
        services.TryAddSingleton<GovernedToolCollection>();
        services.AddDataProtection();
        KeyRingRedis.AddOverride(services);
        services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<IOptions<MsilMcpOptions>, IServiceProvider>(static (keys, mcp, sp) => KeyRingRedis.Configure(keys, mcp.Value, sp));
        services.TryAddSingleton<RequestStateProtector>();
        services.AddOptions<ToolTaskOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ToolTaskOptions>, ToolTaskOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ToolTaskOptions>, ProductionTransportValidator>());
        services.TryAddSingleton<InMemoryToolTaskStore>();
        RedisToolTaskStore.AddOverride(services);
        services.TryAddSingleton<RedisToolTaskStore>();
        services.TryAddSingleton<IToolTaskStore>(static sp => Msil.Mcp.Connections.MsilRedisConnections.IsAvailable(sp, sp.GetRequiredService<IOptions<ToolTaskOptions>>().Value.RedisConnectionString, hostFallback: false)
            ? sp.GetRequiredService<RedisToolTaskStore>()
            : sp.GetRequiredService<InMemoryToolTaskStore>());
        services.TryAddSingleton<ToolTaskRunner>();
        services.AddHostedService(static sp => sp.GetRequiredService<ToolTaskRunner>());
        services.TryAddSingleton<ToolTaskRequestHandlers>();
        services.TryAddSingleton<AuditStage>();
        services.TryAddSingleton<ResolveStage>();
        services.TryAddSingleton<PolicyStage>();
        services.TryAddSingleton<TaskSupportStage>();
        services.TryAddSingleton<RequestStateStage>();
        services.TryAddSingleton<ValidationStage>();
        services.TryAddSingleton<ElevationStage>();
        services.TryAddSingleton<AuditGateStage>();
        services.TryAddSingleton<ExecuteStage>();
        services.TryAddSingleton<ShapeStage>();
        services.TryAddSingleton<ToolCallPipeline>();
        services.TryAddSingleton<ReadinessProbe>();
        services.TryAddSingleton<Msil.Mcp.Admin.AdminAccess>();
        services.TryAddSingleton<Msil.Mcp.Admin.CallActivity>();
        services.AddOptions<UserDirectoryOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UserDirectoryOptions>, Msil.Mcp.Admin.UserDirectoryOptionsValidator>());
        services.TryAddSingleton<Msil.Mcp.Admin.InMemoryUserDirectory>();
        services.TryAddSingleton<Msil.Mcp.Admin.PostgreSqlUserDirectory>();
        services.TryAddSingleton<IUserDirectory>(static sp => sp.GetRequiredService<IOptions<UserDirectoryOptions>>().Value.Store == UserDirectoryStoreKind.PostgreSql
            ? sp.GetRequiredService<Msil.Mcp.Admin.PostgreSqlUserDirectory>()
            : sp.GetRequiredService<Msil.Mcp.Admin.InMemoryUserDirectory>());
        services.TryAddSingleton<Msil.Mcp.Admin.UserDirectoryFlusher>();
        services.AddHostedService(static sp => sp.GetRequiredService<Msil.Mcp.Admin.UserDirectoryFlusher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, Msil.Mcp.Admin.CoreAdminEndpoints>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, Msil.Mcp.Admin.PolicySimulationEndpoints>());
        services.TryAddSingleton<ToolListCursor>();
        services.TryAddSingleton<ToolListJsonMode>();
        services.TryAddSingleton<ToolListFilter>();
        services.AddHostedService<ToolCatalogSeeder>();
        services.AddHostedService<StartupReporter>();
        services.AddOptions<MsilMcpWarmUpOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilMcpWarmUpOptions>, Msil.Mcp.WarmUp.WarmUpOptionsValidator>());
        services.TryAddSingleton<Msil.Mcp.WarmUp.WarmUpService>();
        services.AddHostedService(static sp => sp.GetRequiredService<Msil.Mcp.WarmUp.WarmUpService>());
        services.TryAddSingleton(static sp => new AllowedHostList(sp.GetService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()));
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, MsilMcpStartupFilter>());

        var mcp = services.AddMcpServer();
        mcp.WithHttpTransport();
        services.AddOptions<HttpServerTransportOptions>()
            .Configure<IOptions<MsilMcpOptions>>((transport, msil) =>
                transport.SessionMode = msil.Value.SessionMode == McpSessionMode.Stateful ? HttpServerSessionMode.Stateful : HttpServerSessionMode.Stateless);

        // After AddMcpServer, so it runs after the SDK's own setup and our filters end up outermost.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<McpServerOptions>, MsilMcpServerOptionsSetup>());

        var builder = new MsilMcpBuilder(services, mcp);
        services.AddSingleton(new MsilMcpMarker(builder));
        return builder;
    }

    private sealed class MsilMcpMarker(MsilMcpBuilder builder)
    {
        public MsilMcpBuilder Builder { get; } = builder;
    }
}
