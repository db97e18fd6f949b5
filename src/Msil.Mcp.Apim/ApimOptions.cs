namespace Msil.Mcp.Apim;

/// <summary>Options of the API manager client, bound from <c>Msil:Mcp:Apim</c>. Defaults are the seed's figures (§3.1, §3.2).</summary>
public sealed class ApimOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Apim";

    /// <summary>Gets or sets the gateway's base URL, including any base path (for example <c>https://apim.example/dealer-api</c>).</summary>
    public Uri? GatewayUrl { get; set; }

    /// <summary>Gets or sets the subscription key (a secret: from configuration or a secret store, never committed or logged).</summary>
    public string? SubscriptionKey { get; set; }

    /// <summary>Gets or sets the header that carries the subscription key.</summary>
    /// <value>Defaults to <c>Ocp-Apim-Subscription-Key</c>.</value>
    public string SubscriptionKeyHeader { get; set; } = "Ocp-Apim-Subscription-Key";

    /// <summary>Gets or sets the audience of the downstream token when a tool's binding names none; <see langword="null"/> sends no user token.</summary>
    public string? DefaultAudience { get; set; }

    /// <summary>Gets or sets the client certificate (PEM) for mTLS; seed default path <c>/etc/secrets/mtls/client.pem</c>.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>Gets or sets the client certificate's private key (PEM); seed default path <c>/etc/secrets/mtls/client.key</c>.</summary>
    public string? ClientKeyPath { get; set; }

    /// <summary>Gets or sets the CA bundle (PEM) the gateway's certificate must chain to; seed default path <c>/etc/secrets/mtls/ca.pem</c>.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Gets or sets the connect timeout.</summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the read timeout of one attempt.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the number of retries after the first attempt (idempotent requests only).</summary>
    /// <value>Defaults to 3, with exponential backoff of 1 s, 2 s, 4 s.</value>
    public int RetryMaxAttempts { get; set; } = 3;

    /// <summary>Gets or sets the first retry delay; later ones double.</summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan RetryBackoffBase { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest retry delay.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan RetryBackoffMax { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the failures within <see cref="CircuitBreakerSamplingDuration"/> that open the breaker.</summary>
    /// <value>Defaults to 5.</value>
    public int CircuitBreakerThreshold { get; set; } = 5;

    /// <summary>Gets or sets the window in which failures are counted.</summary>
    /// <value>Defaults to 60 seconds.</value>
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how long the breaker stays open before one probe is let through.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the largest response body passed on, in bytes; longer ones are cut with a notice.</summary>
    /// <value>Defaults to 262,144 (256 KB).</value>
    public int MaxResponseBytes { get; set; } = 256 * 1024;
}
