using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// Configures every gateway's named client in <see cref="IHttpClientFactory"/> (<c>Msil.Mcp.Apim</c> for the default
/// gateway, <c>Msil.Mcp.Apim:{name}</c> for named ones) without knowing the names at registration.
/// </summary>
/// <remarks>
/// <para>Configure: the primary handler is the gateway's <see cref="SocketsHttpHandler"/> (mTLS, timeouts) and never
/// expires; a host may still replace it by configuring the client by name after <c>AddApim</c>.</para>
/// <para>Post-configure: the gateway's own resilience goes outermost (Microsoft.Extensions.Http.Resilience's
/// <see cref="ResilienceHandler"/> running the gateway's pipeline, behind <see cref="UnsendableRequestHandler"/>), and any Microsoft.Extensions.Http.Resilience
/// handler added to all clients (for example <c>ConfigureHttpClientDefaults(b =&gt; b.AddStandardResilienceHandler())</c>
/// in service defaults) is removed from these clients: its retries would resend POSTs that are not safe to repeat and
/// its breaker would not follow the seed's rule.</para>
/// <para>Why not <c>AddHttpClient(name).AddResilienceHandler(…)</c>: that configures a client whose name is known when
/// services are registered, while a gateway's name comes from <see cref="IOptionsMonitor{TOptions}"/> of
/// <see cref="ApimOptions"/> (code, configuration, or a reload that adds a gateway). So this named-options hook inserts
/// the handler <c>AddResilienceHandler</c> would insert, <see cref="ResilienceHandler"/>, with the gateway's pipeline
/// from Polly's <c>ResiliencePipelineRegistry&lt;string&gt;</c> (keyed by the client's name), which gets the host's
/// Polly telemetry the same way.</para>
/// </remarks>
internal sealed class ApimHttpClientSetup(ApimGatewayRegistry registry, IOptionsMonitor<ApimOptions> apimOptions, ILoggerFactory loggerFactory)
    : IConfigureNamedOptions<HttpClientFactoryOptions>, IPostConfigureOptions<HttpClientFactoryOptions>
{
    private const string ForeignResilienceHandler = "Microsoft.Extensions.Http.Resilience.ResilienceHandler";

    /// <summary>
    /// What <c>IHttpClientBuilder.RemoveAllLoggers()</c> does to a client's options. The builder method needs the client's
    /// name at registration, which a gateway does not have, and the options it sets are not public; so the action it
    /// registers is taken from a throw-away service collection and applied to each gateway client by name.
    /// </summary>
    private static readonly Action<HttpClientFactoryOptions>? RemoveAllLoggers = CaptureRemoveAllLoggers();

    public void Configure(HttpClientFactoryOptions options)
    {
    }

    public void Configure(string? name, HttpClientFactoryOptions options)
    {
        if (!ApimGatewayRegistry.TryParseClientName(name, out var gateway))
        {
            return;
        }

        options.HandlerLifetime = Timeout.InfiniteTimeSpan;
        if (!apimOptions.CurrentValue.HttpClientLogging)
        {
            // The factory's logging scope costs about 2.4 % of a backend call; this package logs each call itself.
            options.SuppressHandlerScope = true;
            RemoveAllLoggers?.Invoke(options);
        }

        options.HttpMessageHandlerBuilderActions.Add(builder =>
        {
            if (registry.TryGet(gateway, out var runtime))
            {
                builder.PrimaryHandler = runtime.CreatePrimaryHandler();
            }
        });
    }

    public void PostConfigure(string? name, HttpClientFactoryOptions options)
    {
        if (!ApimGatewayRegistry.TryParseClientName(name, out var gateway))
        {
            return;
        }

        options.HttpMessageHandlerBuilderActions.Add(builder =>
        {
            if (!registry.TryGet(gateway, out var runtime))
            {
                throw new InvalidOperationException($"No API gateway named '{gateway}' is configured (Msil:Mcp:Apim:Gateways:{gateway}:GatewayUrl).");
            }

            var handlers = builder.AdditionalHandlers;
            for (var i = handlers.Count - 1; i >= 0; i--)
            {
                if (IsForeignResilienceHandler(handlers[i].GetType()))
                {
                    Log.ForeignResilienceHandlerRemoved(loggerFactory.CreateLogger("Msil.Mcp.Apim.Gateway"), name!, handlers[i].GetType().FullName ?? string.Empty);
                    handlers.RemoveAt(i);
                }
            }

            // Outermost: the refusal of a request HTTP cannot carry, then the library's resilience handler running the
            // gateway's pipeline; handlers the host added run inside it, once per attempt.
            handlers.Insert(0, new UnsendableRequestHandler());
            handlers.Insert(1, new ResilienceHandler(runtime.Pipeline));
        });
    }

    private static Action<HttpClientFactoryOptions>? CaptureRemoveAllLoggers()
    {
        const string probe = "Msil.Mcp.Apim.RemoveAllLoggers";
        var services = new ServiceCollection();
        var before = services.Count;
        services.AddHttpClient(probe).RemoveAllLoggers();
        Action<HttpClientFactoryOptions>? action = null;
        foreach (var descriptor in services.Skip(before))
        {
            if (descriptor.ImplementationInstance is ConfigureNamedOptions<HttpClientFactoryOptions> { Name: probe, Action: { } configure })
            {
                action = configure;
            }
        }

        return action;
    }

    private static bool IsForeignResilienceHandler(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.FullName == ForeignResilienceHandler)
            {
                return true;
            }
        }

        return false;
    }
}
