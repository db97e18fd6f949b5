using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Auth;
using Msil.Mcp.Auth.Development;
using Msil.Mcp.Auth.Downstream;
using Msil.Mcp.Auth.Validation;
using Msil.Mcp.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the OAuth 2.1 resource server to the governed MCP server.</summary>
public static class AuthMsilMcpBuilderExtensions
{
    /// <summary>Adds bearer-token validation, protected resource metadata and downstream tokens with default options.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder AddMsilAuth(this IMsilMcpBuilder builder) => builder.AddMsilAuth(static _ => { });

    /// <summary>Adds bearer-token validation, protected resource metadata and downstream tokens, configured in code.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddMsilAuth(this IMsilMcpBuilder builder, Action<MsilAuthOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds bearer-token validation, protected resource metadata and downstream tokens, bound from <paramref name="section"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">Usually <c>Msil:Mcp:Auth</c>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    [RequiresUnreferencedCode("Binds options from configuration by reflection.")]
    [RequiresDynamicCode("Binds options from configuration by reflection.")]
    public static IMsilMcpBuilder AddMsilAuth(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<MsilAuthOptions>().Bind(section);
        return builder;
    }

    private static void AddCore(IMsilMcpBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(IssuerRegistry)))
        {
            return;
        }

        services.AddOptions<MsilAuthOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilAuthOptions>, MsilAuthOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilAuthOptions>, AuthTransportValidator>());
        services.AddHttpClient(IssuerRegistry.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddHttpClient(OAuthDownstreamTokenProvider.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.TryAddSingleton<DevelopmentIssuer>();
        services.TryAddSingleton<IssuerRegistry>();
        services.TryAddSingleton<AuthMetrics>();
        services.TryAddSingleton<ValidatedTokenCache>();
        services.TryAddSingleton<AuthRedis>();
        services.AddHealthChecks().AddCheck<IssuerHealthCheck>("msil-auth-issuers", tags: [Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag]);
        services.RemoveAll<IDownstreamTokenProvider>();
        services.AddSingleton<IDownstreamTokenProvider, OAuthDownstreamTokenProvider>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, DevelopmentIssuerContributorGate>());
        services.AddHostedService<AuthStartupCheck>();
        services.TryAddEnumerable(ServiceDescriptor.Transient<Microsoft.AspNetCore.Hosting.IStartupFilter, ChallengeScopeStartupFilter>());

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = MsilAuthDefaults.AuthenticationScheme;
                o.DefaultAuthenticateScheme = MsilAuthDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
            })
            .AddScheme<MsilBearerSchemeOptions, MsilBearerHandler>(MsilAuthDefaults.AuthenticationScheme, null)
            .AddMcp(o => o.ForwardAuthenticate = MsilAuthDefaults.AuthenticationScheme);
        services.AddOptions<McpAuthenticationOptions>(McpAuthenticationDefaults.AuthenticationScheme)
            .Configure<IssuerRegistry, IOptionsMonitor<MsilAuthOptions>>((mcp, issuers, auth) =>
            {
                mcp.ForwardAuthenticate = MsilAuthDefaults.AuthenticationScheme;
                mcp.Events.OnResourceMetadataRequest = context =>
                {
                    var request = context.HttpContext.Request;
                    var metadata = new ProtectedResourceMetadata
                    {
                        Resource = $"{request.Scheme}://{request.Host}{auth.CurrentValue.McpPath}",
                        BearerMethodsSupported = ["header"],
                        ResourceName = "Msil.Mcp governed MCP server",
                    };
                    foreach (var server in issuers.AuthorizationServers())
                    {
                        metadata.AuthorizationServers.Add(server);
                    }

                    foreach (var scope in auth.CurrentValue.Scopes)
                    {
                        metadata.ScopesSupported.Add(scope);
                    }

                    context.ResourceMetadata = metadata;
                    return Task.CompletedTask;
                };
            });
        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<MsilAuthOptions>>((authorization, auth) =>
        {
            var policy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser();
            if (auth.Value.RequiredScopes.Count > 0)
            {
                policy.AddRequirements(new ScopeRequirement(auth.Value.RequiredScopes.ToArray()));
            }

            authorization.DefaultPolicy = policy.Build();
        });
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ScopeChallengeResultHandler>();
        builder.Mcp.AddAuthorizationFilters();
    }

    /// <summary>Maps the development issuer's endpoints only when it is enabled.</summary>
    private sealed class DevelopmentIssuerContributorGate(IServiceProvider services, IOptions<MsilAuthOptions> options) : IMsilMcpEndpointContributor
    {
        public void MapEndpoints(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder endpoints)
        {
            if (options.Value.DevelopmentIssuer.Enabled)
            {
                ActivatorUtilities.CreateInstance<DevelopmentIssuerEndpoints>(services).MapEndpoints(endpoints);
            }
        }
    }

    /// <summary>Says at start what a reviewer must know: passthrough on, development issuer running.</summary>
    private sealed class AuthStartupCheck(IOptions<MsilAuthOptions> options, DevelopmentIssuer development, IHostApplicationLifetime lifetime, ILogger<DevelopmentIssuer> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (options.Value.Downstream.Mode == DownstreamTokenMode.Passthrough)
            {
                Log.PassthroughEnabled(logger);
            }

            if (options.Value.DevelopmentIssuer.Enabled)
            {
                lifetime.ApplicationStarted.Register(() => Log.DevelopmentIssuerRunning(logger, development.Issuer));
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
