using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Msil.Mcp.SampleBackend;
using Msil.Mcp.SampleBackend.Data;
using Msil.Mcp.SampleBackend.Http;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the sample backend's services.
/// </summary>
public static class SampleBackendServiceCollectionExtensions
{
    /// <summary>
    /// Adds the sample backend: its in-memory data, its request recorder, the <c>SampleBackend</c> JWT bearer scheme
    /// (not the default scheme) and the <c>SampleBackend</c> authorization policy.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures <see cref="SampleBackendOptions"/>; may be <see langword="null"/> when the options are configured elsewhere.</param>
    /// <returns>The same service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Calling it more than once adds nothing twice. The options are validated when the host starts: a host that sets
    /// neither <see cref="SampleBackendOptions.Authority"/> nor <see cref="SampleBackendOptions.IssuerSigningKeys"/> does not start.
    /// </remarks>
    public static IServiceCollection AddSampleBackend(this IServiceCollection services, Action<SampleBackendOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(SampleBackendMarker)))
        {
            return services;
        }

        services.AddSingleton<SampleBackendMarker>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SampleBackendOptions>, SampleBackendOptionsValidator>());
        services.AddOptions<SampleBackendOptions>().ValidateOnStart();
        services.TryAddSingleton<SampleDataStore>();
        services.TryAddSingleton(sp => new SampleBackendRequestRecorder(
            sp.GetRequiredService<IOptions<SampleBackendOptions>>().Value.RecentRequestCapacity,
            sp.GetRequiredService<SampleDataStore>(),
            sp.GetRequiredService<TimeProvider>()));

        services.AddAuthentication().AddJwtBearer(SampleBackendDefaults.AuthenticationScheme, _ => { });
        services.AddOptions<JwtBearerOptions>(SampleBackendDefaults.AuthenticationScheme)
            .Configure<IOptions<SampleBackendOptions>>((jwt, backend) => ConfigureJwtBearer(jwt, backend.Value));

        services.AddAuthorizationBuilder()
            .AddPolicy(SampleBackendDefaults.AuthorizationPolicy, policy => policy
                .AddAuthenticationSchemes(SampleBackendDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser());

        return services;
    }

    private static void ConfigureJwtBearer(JwtBearerOptions jwt, SampleBackendOptions backend)
    {
        jwt.MapInboundClaims = false;
        jwt.SaveToken = false;
        jwt.IncludeErrorDetails = true;

        var parameters = jwt.TokenValidationParameters;
        parameters.ValidateIssuer = true;
        parameters.ValidateAudience = true;
        parameters.ValidAudience = backend.Audience;
        parameters.ValidateLifetime = true;
        parameters.RequireExpirationTime = true;
        parameters.ValidateIssuerSigningKey = true;
        parameters.RequireSignedTokens = true;
        parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
        parameters.ClockSkew = TimeSpan.FromSeconds(30);
        parameters.NameClaimType = "sub";

        if (backend.IssuerSigningKeys.Count > 0)
        {
            parameters.IssuerSigningKeys = [.. backend.IssuerSigningKeys];
            parameters.ValidIssuer = backend.Issuer;
        }
        else if (!string.IsNullOrWhiteSpace(backend.Authority))
        {
            jwt.Authority = backend.Authority;
            jwt.RequireHttpsMetadata = !(Uri.TryCreate(backend.Authority, UriKind.Absolute, out var authority) && authority.IsLoopback);
            if (!string.IsNullOrWhiteSpace(backend.Issuer))
            {
                parameters.ValidIssuer = backend.Issuer;
            }
        }

        jwt.Events = new JwtBearerEvents { OnChallenge = ChallengeHandler.OnChallengeAsync };
    }

    /// <summary>Marks that <see cref="AddSampleBackend"/> ran, so a second call adds nothing.</summary>
    internal sealed class SampleBackendMarker;
}
