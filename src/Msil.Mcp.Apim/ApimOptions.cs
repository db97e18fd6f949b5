namespace Msil.Mcp.Apim;

/// <summary>
/// Options of the API manager client, bound from <c>Msil:Mcp:Apim</c>: the default gateway's settings (inherited from
/// <see cref="ApimGatewayOptions"/>) and any named gateways. Defaults are the seed's figures (§3.1, §3.2).
/// </summary>
/// <remarks>
/// A tool's <c>HttpBinding.Gateway</c> picks the gateway: <see langword="null"/> is the default one configured at the
/// top level, any other name one of <see cref="Gateways"/> (<c>Msil:Mcp:Apim:Gateways:{name}:GatewayUrl</c>, …).
/// Each gateway has its own HTTP client, connection pool, mTLS settings, retry pipeline and circuit breaker.
/// </remarks>
public sealed class ApimOptions : ApimGatewayOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Apim";

    /// <summary>The name the default gateway has in telemetry and that named gateways cannot use.</summary>
    public const string DefaultGatewayName = "default";

    /// <summary>
    /// Gets or sets whether the gateway clients keep <see cref="IHttpClientFactory"/>'s default logging handlers: the
    /// logging scope around each request and the request/response log lines (<c>System.Net.Http.HttpClient.Msil.Mcp.Apim…</c>,
    /// filtered to warnings). They cost time on every backend call, and this package already logs each call
    /// (event ids 5000–5008) without the URI, whose path holds argument values.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>: the factory's loggers are removed from every gateway client.</value>
    public bool HttpClientLogging { get; set; }

    /// <summary>Gets the named gateways, by name (case-insensitive).</summary>
    /// <value>Defaults to empty: every tool uses the default gateway.</value>
    public IDictionary<string, ApimGatewayOptions> Gateways { get; } = new Dictionary<string, ApimGatewayOptions>(StringComparer.OrdinalIgnoreCase);
}
