using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation;
using Msil.Mcp.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds just-in-time elevation for privileged tools.</summary>
public static class ElevationMsilMcpBuilderExtensions
{
    /// <summary>Adds elevation with the in-memory grant store.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder AddElevation(this IMsilMcpBuilder builder) => builder.AddElevation(static _ => { });

    /// <summary>Adds elevation configured in code.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddElevation(this IMsilMcpBuilder builder, Action<ElevationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds elevation bound from <paramref name="section"/> (usually <c>Msil:Mcp:Elevation</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    [RequiresUnreferencedCode("Binds options from configuration by reflection.")]
    [RequiresDynamicCode("Binds options from configuration by reflection.")]
    public static IMsilMcpBuilder AddElevation(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<ElevationOptions>().Bind(section);
        return builder;
    }

    private static void AddCore(IMsilMcpBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(ElevationGate)))
        {
            return;
        }

        services.AddOptions<ElevationOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ElevationOptions>, ElevationOptionsValidator>());
        services.TryAddSingleton<IElevationGrantStore, InMemoryElevationGrantStore>();
        services.TryAddSingleton<ElevationGate>();
        services.RemoveAll<IElevationGate>();
        services.AddSingleton<IElevationGate>(sp => sp.GetRequiredService<ElevationGate>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, ElevationEndpoints>());
    }

    private sealed class ElevationOptionsValidator(IHostEnvironment environment) : IValidateOptions<ElevationOptions>
    {
        public ValidateOptionsResult Validate(string? name, ElevationOptions options)
        {
            var errors = new List<string>();
            if (options.DefaultGrantLifetime <= TimeSpan.Zero || options.DefaultGrantLifetime > options.MaxGrantLifetime)
            {
                errors.Add("Msil:Mcp:Elevation:DefaultGrantLifetime must be positive and at most MaxGrantLifetime.");
            }

            if (string.IsNullOrWhiteSpace(options.ElevationUrlTemplate))
            {
                errors.Add("Msil:Mcp:Elevation:ElevationUrlTemplate is empty: set your PIM/PAM approval URL, with {user}, {scope} and {reference} placeholders.");
            }

            if (string.IsNullOrWhiteSpace(options.ApproverRole))
            {
                errors.Add("Msil:Mcp:Elevation:ApproverRole is empty: set the role of the approval system's identity.");
            }

            if (options.EnableDevelopmentApprovalPage && !environment.IsDevelopment())
            {
                errors.Add($"Msil:Mcp:Elevation:EnableDevelopmentApprovalPage is true in the '{environment.EnvironmentName}' environment; the page approves anything and only runs in Development.");
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
