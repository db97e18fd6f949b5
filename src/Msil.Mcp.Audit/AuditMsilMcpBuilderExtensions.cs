using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit;
using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Audit.Query;
using Msil.Mcp.Audit.S3;
using Msil.Mcp.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds tamper-evident audit to the governed MCP server.</summary>
public static class AuditMsilMcpBuilderExtensions
{
    /// <summary>Adds audit with hash-chained JSON-lines files under <c>audit-logs</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddAudit(this IMsilMcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder); // no configure action: calling it twice adds nothing twice
        return builder;
    }

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
    public static IMsilMcpBuilder AddAudit(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<AuditOptions>().Bind(section);
        builder.AddConfigurationSection(section, typeof(AuditOptions));
        return builder;
    }

    private static void AddCore(IMsilMcpBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(FileAuditSink)))
        {
            return;
        }

        services.AddOptionsWithValidateOnStart<AuditOptions, AuditOptionsAnnotationsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditTransportValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<AuditTelemetry>();

        // Arguments are recorded through Microsoft.Extensions.Compliance redactors; a host's own AddRedaction(...)
        // decides the redactor per classification, the erasing redactor is the fallback.
        services.AddRedaction();
        services.RemoveAll<IAuditArgumentRedactor>();
        services.AddSingleton<IAuditArgumentRedactor, AuditArgumentRedactor>();
        services.TryAddSingleton<FileAuditSink>();
        services.RemoveAll<IAuditSink>();
        services.AddSingleton<IAuditSink>(static sp => sp.GetRequiredService<FileAuditSink>());

        // Start order: the chain (outbox) first, then the shippers that read it.
        services.AddHostedService(static sp => sp.GetRequiredService<FileAuditSink>());
        services.TryAddSingleton<PostgreSqlAuditTarget>();
        services.TryAddSingleton<S3AuditTarget>();
        services.TryAddSingleton<OutboxShipper<PostgreSqlAuditTarget>>();
        services.TryAddSingleton<OutboxShipper<S3AuditTarget>>();
        services.TryAddSingleton<IAuditOutboxStatus, AuditOutboxStatus>();
        services.AddHostedService(static sp => sp.GetRequiredService<OutboxShipper<PostgreSqlAuditTarget>>());
        services.AddHostedService(static sp => sp.GetRequiredService<OutboxShipper<S3AuditTarget>>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, AuditQueryEndpoints>());
        services.AddHealthChecks().AddCheck<AuditHealthCheck>(AuditHealthCheck.Name, tags: [Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag, AuditTelemetry.Name]);
    }
}
