using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Diagnostics;

/// <summary>
/// A governed refusal (unknown tool, policy denial, elevation required, rate limit, …) is an outcome, logged once at
/// Information by the pipeline; it reaches the MCP SDK as an exception only because that is how a filter answers with a
/// JSON-RPC error. The SDK would log each one again as a failure with a stack trace (<c>fail</c> "threw an unhandled
/// exception", <c>warn</c> "request handler failed"). This logger factory drops exactly those records: categories of the
/// SDK (<c>ModelContextProtocol*</c>) whose exception the pipeline marked as a refusal. Everything else passes unchanged,
/// so the SDK's logging of real faults stays.
/// </summary>
/// <remarks>
/// Still needed with ModelContextProtocol 2.4.0: it logs every exception of a <c>tools/call</c>, a
/// <c>McpProtocolException</c> included, as <c>ToolCallError</c> (Error) and every failed request as
/// <c>LogRequestHandlerException</c> (Warning), as 2.3.1 did (docs/compatibility.md).
/// </remarks>
internal sealed class RefusalFilteringLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private const string SdkCategoryPrefix = "ModelContextProtocol";
    private const string MarkerKey = "Msil.Mcp.GovernedRefusal";

    /// <summary>Marks <paramref name="exception"/> as a governed refusal; returns <see langword="false"/> so it can sit in an exception filter.</summary>
    public static bool Mark(Exception exception)
    {
        exception.Data[MarkerKey] = true;
        return false;
    }

    public static bool IsRefusal(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e.Data.Contains(MarkerKey))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Wraps the host's default logger factory, when it is the default one (a host's own factory is left alone).</summary>
    public static void Install(IServiceCollection services)
    {
        var descriptor = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory));
        if (descriptor is not { ImplementationType: { } type } || type != typeof(LoggerFactory) || descriptor.Lifetime != ServiceLifetime.Singleton)
        {
            return;
        }

        services.Remove(descriptor);
        services.AddSingleton<ILoggerFactory>(static sp => new RefusalFilteringLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>())));
    }

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith(SdkCategoryPrefix, StringComparison.Ordinal) ? new FilteringLogger(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class FilteringLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is not null && IsRefusal(exception))
            {
                return;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
