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
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddMsilAuth(this IMsilMcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder); // no configure action: calling it twice adds nothing twice
        return builder;
    }

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
    public static IMsilMcpBuilder AddMsilAuth(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<MsilAuthOptions>().Bind(section);
        builder.AddConfigurationSection(section, typeof(MsilAuthOptions));
        return builder;
    }

    private static void AddCore(IMsilMcpBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(IssuerRegistry)))
        {
            return;
        }

        services.AddOptionsWithValidateOnStart<MsilAuthOptions, MsilAuthOptionsAnnotationsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilAuthOptions>, MsilAuthOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilAuthOptions>, AuthTransportValidator>());
        services.AddHttpClient(IssuerRegistry.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddHttpClient(OAuthDownstreamTokenProvider.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.TryAddSingleton<DevelopmentIssuer>();
        services.TryAddSingleton<DevelopmentAuthorizationCodes>();
        services.AddAntiforgery();
        services.TryAddSingleton<IssuerRegistry>();
        services.TryAddSingleton<AuthTelemetry>();
        services.TryAddSingleton<ValidatedTokenCache>();
        AuthRedis.AddOverride(services);
        services.TryAddSingleton<AuthRedis>();
        services.AddHealthChecks().AddCheck<IssuerHealthCheck>("msil-auth-issuers", tags: [Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag, AuthTelemetry.Name]);
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

    /// <summary>
    /// Says at start what a reviewer must know (passthrough on, development issuer running) and, once the host has
    /// started, asks each configured issuer for its discovery document, warning about any that does not answer (otherwise
    /// only <c>/health/ready</c> and the first caller would notice).
    /// </summary>
    private sealed class AuthStartupCheck(
        IOptions<MsilAuthOptions> options,
        DevelopmentIssuer development,
        IHostApplicationLifetime lifetime,
        IHttpClientFactory httpClients,
        ILogger<DevelopmentIssuer> logger) : IHostedService, IDisposable
    {
        /// <summary>How long one discovery probe may take.</summary>
        internal static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

        private readonly CancellationTokenSource _stopping = new();
        private Task _probe = Task.CompletedTask;

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

            if (options.Value.Issuers.Count > 0)
            {
                lifetime.ApplicationStarted.Register(() => _probe = ProbeIssuersAsync(_stopping.Token));
            }

            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await _probe.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        public void Dispose() => _stopping.Dispose();

        private async Task ProbeIssuersAsync(CancellationToken cancellationToken)
        {
            var issuers = options.Value.Issuers;
            for (var i = 0; i < issuers.Count; i++)
            {
                var issuer = issuers[i];
                var address = issuer.MetadataAddress ?? issuer.Issuer.TrimEnd('/') + "/.well-known/openid-configuration";
                var key = issuer.MetadataAddress is null ? $"{MsilAuthOptions.SectionName}:Issuers:{i}:Issuer" : $"{MsilAuthOptions.SectionName}:Issuers:{i}:MetadataAddress";
                string? problem;
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(ProbeTimeout);
                    using var client = httpClients.CreateClient(IssuerRegistry.HttpClientName);
                    using var response = await client.GetAsync(new Uri(address), HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                    problem = response.IsSuccessStatusCode ? null : $"it answered {(int)response.StatusCode}";
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (OperationCanceledException)
                {
                    problem = $"it did not answer within {ProbeTimeout.TotalSeconds:0} s";
                }
                catch (Exception ex) when (ex is HttpRequestException or UriFormatException or InvalidOperationException)
                {
                    problem = $"it cannot be reached ({ex.GetType().Name})";
                }

                if (problem is not null)
                {
                    Log.IssuerDiscoveryUnanswered(logger, key, address, problem);
                }
            }
        }
    }
}
