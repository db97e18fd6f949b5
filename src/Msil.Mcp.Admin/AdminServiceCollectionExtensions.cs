using Microsoft.Extensions.Configuration;
using Msil.Mcp.Admin;
using Msil.Mcp.Admin.Api;
using Msil.Mcp.WebUi;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Msil.Mcp admin console.</summary>
public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// Registers the admin console with its options bound from <c>Msil:Mcp:Admin</c> (<c>ServerUrl</c>: default the
    /// host it is served from; <c>Authority</c>: required; <c>ClientId</c>: default <c>msil-admin</c>; <c>Scopes</c>),
    /// validated at start. Idempotent.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddMsilMcpAdmin(this IServiceCollection services) => services.AddMsilMcpAdmin((Action<MsilWebUiOptions>?)null);

    /// <summary>Registers the admin console, then applies <paramref name="configure"/> to its options.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options after <c>Msil:Mcp:Admin</c> is bound; may be <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddMsilMcpAdmin(this IServiceCollection services, Action<MsilWebUiOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(IAdminApi)))
        {
            // Defaults first, so that configuration and configure win.
            services.Configure<MsilWebUiOptions>(AdminConsole.Name, o =>
            {
                o.Title = "Msil.Mcp admin";
                o.ClientId = "msil-admin";
            });
            services.AddScoped<IAdminApi, AdminApi>();
        }

        return services.AddMsilWebUi(AdminConsole.Name, AdminConsole.SectionName, configure);
    }

    /// <summary>Registers the admin console with its options bound from <paramref name="section"/> instead of <c>Msil:Mcp:Admin</c>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddMsilMcpAdmin(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return services.AddMsilMcpAdmin(o => section.Bind(o));
    }
}
