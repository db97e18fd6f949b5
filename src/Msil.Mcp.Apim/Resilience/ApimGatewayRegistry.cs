using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Apim.Diagnostics;
using Polly.Registry;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// The gateways in use, each built once on first use from the options then current: one breaker, pipeline, client
/// certificate and HTTP client per gateway.
/// </summary>
internal sealed class ApimGatewayRegistry(
    IOptionsMonitor<ApimOptions> options,
    IOptionsMonitor<ApimGatewayOptions> gatewayOptions,
    TimeProvider time,
    ApimMetrics metrics,
    ILoggerFactory loggerFactory,
    ResiliencePipelineRegistry<string> pipelines)
{
    /// <summary>The default gateway's client name in <see cref="IHttpClientFactory"/>; named gateways add <c>:{name}</c>.</summary>
    public const string ClientNamePrefix = "Msil.Mcp.Apim";

    private readonly ConcurrentDictionary<string, GatewayRuntime> _gateways = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger = loggerFactory.CreateLogger("Msil.Mcp.Apim.Gateway");
    private GatewayRuntime? _default;

    /// <summary>Gets the gateways built so far (those that have been called).</summary>
    public IEnumerable<GatewayRuntime> Built
    {
        get
        {
            if (Volatile.Read(ref _default) is { } gateway)
            {
                yield return gateway;
            }

            foreach (var named in _gateways.Values)
            {
                yield return named;
            }
        }
    }

    public static string ClientNameFor(string? gateway) => gateway is null ? ClientNamePrefix : ClientNamePrefix + ":" + gateway;

    /// <summary>Returns the gateway a client name belongs to.</summary>
    /// <param name="clientName">A client name.</param>
    /// <param name="gateway">The gateway's name, or <see langword="null"/> for the default one.</param>
    /// <returns><see langword="true"/> when the client is one of this package's.</returns>
    public static bool TryParseClientName(string? clientName, out string? gateway)
    {
        gateway = null;
        if (clientName is null || !clientName.StartsWith(ClientNamePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (clientName.Length == ClientNamePrefix.Length)
        {
            return true;
        }

        if (clientName[ClientNamePrefix.Length] != ':' || clientName.Length == ClientNamePrefix.Length + 1)
        {
            return false;
        }

        gateway = clientName[(ClientNamePrefix.Length + 1)..];
        return true;
    }

    /// <summary>Gets the settings of a gateway as configured now.</summary>
    /// <param name="gateway">The gateway's name, or <see langword="null"/> for the default one.</param>
    /// <param name="settings">The settings.</param>
    /// <returns><see langword="false"/> when no gateway of that name is configured.</returns>
    public bool TryGetSettings(string? gateway, [NotNullWhen(true)] out ApimGatewayOptions? settings)
    {
        if (gateway is not null && !(options.CurrentValue.Gateways.TryGetValue(gateway, out var configured) && configured is not null))
        {
            settings = null;
            return false;
        }

        // Named options per gateway (the default gateway under Options.DefaultName), read from Msil:Mcp:Apim.
        settings = gatewayOptions.Get(gateway ?? Options.DefaultName);
        return true;
    }

    /// <summary>Gets a gateway's run-time parts, building them on first use.</summary>
    /// <param name="gateway">The gateway's name, or <see langword="null"/> for the default one.</param>
    /// <param name="runtime">The gateway.</param>
    /// <returns><see langword="false"/> when no gateway of that name is configured.</returns>
    public bool TryGet(string? gateway, [NotNullWhen(true)] out GatewayRuntime? runtime)
    {
        if (gateway is null)
        {
            runtime = Volatile.Read(ref _default) ?? BuildDefault();
            return true;
        }

        if (_gateways.TryGetValue(gateway, out runtime))
        {
            return true;
        }

        if (!TryGetSettings(gateway, out var settings))
        {
            runtime = null;
            return false;
        }

        lock (_gateways)
        {
            if (!_gateways.TryGetValue(gateway, out runtime))
            {
                runtime = Create(gateway, settings);
                _gateways[gateway] = runtime;
            }
        }

        return true;
    }

    private GatewayRuntime BuildDefault()
    {
        lock (_gateways)
        {
            if (_default is null)
            {
                Volatile.Write(ref _default, Create(null, gatewayOptions.Get(Options.DefaultName)));
            }

            return _default!;
        }
    }

    private GatewayRuntime Create(string? name, ApimGatewayOptions settings)
    {
        var runtime = new GatewayRuntime(name, settings, time, metrics, _logger, pipelines);
        metrics.Track(runtime);
        return runtime;
    }
}
