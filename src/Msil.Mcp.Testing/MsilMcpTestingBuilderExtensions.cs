using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Testing;

/// <summary>Puts the test doubles of this package into a governed host.</summary>
public static class MsilMcpTestingBuilderExtensions
{
    /// <summary>Replaces the audit sink with <paramref name="sink"/> (a new <see cref="InMemoryAuditSink"/> when <see langword="null"/>), also resolvable as itself.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="sink">The sink.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder UseInMemoryAuditSink(this IMsilMcpBuilder builder, InMemoryAuditSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        sink ??= new InMemoryAuditSink();
        builder.Services.RemoveAll<IAuditSink>();
        builder.Services.RemoveAll<InMemoryAuditSink>();
        builder.Services.AddSingleton(sink);
        builder.Services.AddSingleton<IAuditSink>(sink);
        return builder;
    }

    /// <summary>Replaces the policy decision point with <paramref name="policy"/>, also resolvable as itself.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="policy">The policy, for example <see cref="ScriptedPolicyDecisionPoint.AllowAll"/>.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder UseScriptedPolicy(this IMsilMcpBuilder builder, ScriptedPolicyDecisionPoint policy)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(policy);
        builder.Services.RemoveAll<IPolicyDecisionPoint>();
        builder.Services.RemoveAll<ScriptedPolicyDecisionPoint>();
        builder.Services.AddSingleton(policy);
        builder.Services.AddSingleton<IPolicyDecisionPoint>(policy);
        return builder;
    }

    /// <summary>Adds <paramref name="executor"/> for its <see cref="IToolExecutor.Kind"/> (one executor per kind).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="executor">The executor.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder AddScriptedExecutor(this IMsilMcpBuilder builder, ScriptedToolExecutor executor)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(executor);
        builder.Services.AddSingleton<IToolExecutor>(executor);
        return builder;
    }
}
