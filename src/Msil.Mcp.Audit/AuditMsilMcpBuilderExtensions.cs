using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds tamper-evident audit to the governed MCP server.</summary>
public static class AuditMsilMcpBuilderExtensions
{
    /// <summary>Adds audit with hash-chained JSON-lines files under <c>audit-logs</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder AddAudit(this IMsilMcpBuilder builder) => builder.AddAudit(static _ => { });

    /// <summary>Adds audit configured in code.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddAudit(this IMsilMcpBuilder builder, Action<AuditOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds audit bound from <paramref name="section"/> (usually <c>Msil:Mcp:Audit</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    [RequiresUnreferencedCode("Binds options from configuration by reflection.")]
    [RequiresDynamicCode("Binds options from configuration by reflection.")]
    public static IMsilMcpBuilder AddAudit(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<AuditOptions>().Bind(section);
        return builder;
    }

    private static void AddCore(IMsilMcpBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(FileAuditSink)))
        {
            return;
        }

        services.AddOptions<AuditOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>());
        services.TryAddSingleton<FileAuditSink>();
        services.RemoveAll<IAuditSink>();
        services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<FileAuditSink>());
        services.AddHostedService(sp => sp.GetRequiredService<FileAuditSink>());
    }

    private sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuditOptions options)
        {
            var errors = new List<string>();
            if (string.IsNullOrWhiteSpace(options.Directory))
            {
                errors.Add("Msil:Mcp:Audit:Directory is empty: set the folder for the audit files.");
            }

            if (options.MaxFileBytes < 64 * 1024)
            {
                errors.Add("Msil:Mcp:Audit:MaxFileBytes must be at least 65536.");
            }

            if (options.QueueCapacity is < 16 or > 1_000_000)
            {
                errors.Add("Msil:Mcp:Audit:QueueCapacity must be between 16 and 1000000.");
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
