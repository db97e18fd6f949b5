namespace Msil.Mcp.Apim;

/// <summary>
/// Settings of one API manager gateway (an instance or a product): where it is, how to authenticate to it and how
/// resilient calls to it are. Defaults are the seed's figures (§3.1, §3.2).
/// </summary>
/// <remarks>
/// <see cref="ApimOptions"/> holds the default gateway's settings; <see cref="ApimOptions.Gateways"/> holds named ones.
/// A named gateway does not inherit the default gateway's values: a key it leaves out takes the default shown here.
/// <see cref="GatewayUrl"/>, <see cref="SubscriptionKey"/>, <see cref="SubscriptionKeyHeader"/>,
/// <see cref="DefaultAudience"/> and <see cref="MaxResponseBytes"/> are read on every call, so a configuration reload
/// applies at once; the other settings are read when the gateway's client is first built.
/// </remarks>
public class ApimGatewayOptions
{
    /// <summary>Gets or sets the gateway's base URL, including any base path (for example <c>https://apim.example/dealer-api</c>).</summary>
    /// <value>Defaults to <see langword="null"/>; required for every gateway that is used.</value>
    public Uri? GatewayUrl { get; set; }

    /// <summary>Gets or sets the subscription key (a secret: from configuration or a secret store, never committed or logged).</summary>
    /// <value>Defaults to <see langword="null"/>: no subscription key is sent.</value>
    public string? SubscriptionKey { get; set; }

    /// <summary>Gets or sets the header that carries the subscription key; tool arguments can never set it.</summary>
    /// <value>Defaults to <c>Ocp-Apim-Subscription-Key</c>.</value>
    public string SubscriptionKeyHeader { get; set; } = "Ocp-Apim-Subscription-Key";

    /// <summary>
    /// Gets or sets the query parameter the gateway reads a subscription key from; this client never sends it, and no
    /// tool argument may set it (nor <c>subscription-key</c>, the API manager's default).
    /// </summary>
    /// <value>Defaults to <c>subscription-key</c>.</value>
    public string SubscriptionKeyQueryName { get; set; } = "subscription-key";

    /// <summary>
    /// Gets or sets whether a plain <c>http</c> <see cref="GatewayUrl"/> is accepted in Production, where the subscription
    /// key and the users' downstream tokens would then travel unencrypted. Outside Production http is accepted anyway.
    /// Setting it logs a warning at start.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>: in Production the host refuses to start with an http gateway URL.</value>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>Gets or sets the audience of the downstream token when a tool's binding names none; <see langword="null"/> sends no user token.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? DefaultAudience { get; set; }

    /// <summary>Gets or sets the client certificate (PEM) presented for mTLS; re-read when the file changes.</summary>
    /// <value>Defaults to <see langword="null"/> (no client certificate); the seed's path is <c>/etc/secrets/mtls/client.pem</c>.</value>
    public string? ClientCertificatePath { get; set; }

    /// <summary>Gets or sets the client certificate's private key (PEM); <see langword="null"/> when the key is in <see cref="ClientCertificatePath"/>.</summary>
    /// <value>Defaults to <see langword="null"/>; the seed's path is <c>/etc/secrets/mtls/client.key</c>.</value>
    public string? ClientKeyPath { get; set; }

    /// <summary>
    /// Gets or sets the CA bundle (PEM) the gateway's certificate must chain to; when set, only these roots are trusted
    /// for the gateway. Re-read when the file changes.
    /// </summary>
    /// <value>Defaults to <see langword="null"/> (the system's trust store); the seed's path is <c>/etc/secrets/mtls/ca.pem</c>.</value>
    public string? CaCertificatePath { get; set; }

    /// <summary>Gets or sets how long to wait for a TCP and TLS connection to the gateway.</summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long one attempt may wait for the response headers, and how long reading the body may take.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the limit on one tool call: every attempt, the waits between them and reading the body.</summary>
    /// <value>Defaults to 60 seconds (the usual MCP client's request timeout).</value>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the number of retries after the first attempt. Only requests that are safe to repeat are retried:
    /// GET, HEAD, PUT, DELETE and OPTIONS, and tools marked idempotent (<c>ToolDefinition.Idempotent</c>).
    /// </summary>
    /// <value>Defaults to 3, so the waits are about 1 s, 2 s and 4 s (exponential, with jitter).</value>
    public int RetryMaxAttempts { get; set; } = 3;

    /// <summary>Gets or sets the first retry's delay; each later one doubles, with jitter.</summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan RetryBackoffBase { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest retry delay; a <c>Retry-After</c> longer than this is not waited for.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan RetryBackoffMax { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the number of failed attempts within <see cref="CircuitBreakerSamplingDuration"/> that opens the breaker.</summary>
    /// <value>Defaults to 5.</value>
    public int CircuitBreakerThreshold { get; set; } = 5;

    /// <summary>Gets or sets the sliding window in which failed attempts are counted.</summary>
    /// <value>Defaults to 60 seconds.</value>
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how long the breaker stays open before it lets exactly one probe through.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the largest response body passed on, in bytes; a longer one is cut with a notice.</summary>
    /// <value>Defaults to 262,144 (256 KB).</value>
    public int MaxResponseBytes { get; set; } = 256 * 1024;

    /// <summary>Gets or sets how long a pooled connection is used before it is replaced (bounds how long a rotated client certificate or DNS change takes to apply).</summary>
    /// <value>Defaults to 5 minutes.</value>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Copies every setting onto <paramref name="target"/> (the named options of one gateway).</summary>
    internal void CopyTo(ApimGatewayOptions target)
    {
        target.GatewayUrl = GatewayUrl;
        target.SubscriptionKey = SubscriptionKey;
        target.SubscriptionKeyHeader = SubscriptionKeyHeader;
        target.SubscriptionKeyQueryName = SubscriptionKeyQueryName;
        target.AllowInsecureHttp = AllowInsecureHttp;
        target.DefaultAudience = DefaultAudience;
        target.ClientCertificatePath = ClientCertificatePath;
        target.ClientKeyPath = ClientKeyPath;
        target.CaCertificatePath = CaCertificatePath;
        target.ConnectTimeout = ConnectTimeout;
        target.ReadTimeout = ReadTimeout;
        target.TotalTimeout = TotalTimeout;
        target.RetryMaxAttempts = RetryMaxAttempts;
        target.RetryBackoffBase = RetryBackoffBase;
        target.RetryBackoffMax = RetryBackoffMax;
        target.CircuitBreakerThreshold = CircuitBreakerThreshold;
        target.CircuitBreakerSamplingDuration = CircuitBreakerSamplingDuration;
        target.CircuitBreakerBreakDuration = CircuitBreakerBreakDuration;
        target.MaxResponseBytes = MaxResponseBytes;
        target.PooledConnectionLifetime = PooledConnectionLifetime;
    }
}
