using Microsoft.IdentityModel.Tokens;

namespace Msil.Mcp.SampleBackend;

/// <summary>
/// Options of the sample backend: how it validates the bearer tokens it receives, and how much it records.
/// </summary>
/// <remarks>
/// Either <see cref="Authority"/> (keys from the issuer's discovery document) or <see cref="IssuerSigningKeys"/>
/// together with <see cref="Issuer"/> (fixed keys, for tests) must be set.
/// </remarks>
public sealed class SampleBackendOptions
{
    /// <summary>
    /// Gets or sets the issuer URL whose <c>/.well-known/openid-configuration</c> document gives the signing keys (JWKS).
    /// </summary>
    /// <value>The default is <see langword="null"/>. Plain <c>http</c> is accepted only for a loopback host.</value>
    public string? Authority { get; set; }

    /// <summary>
    /// Gets or sets the audience a token must carry.
    /// </summary>
    /// <value>The default is <c>api://msil-sample-backend</c> (<see cref="SampleBackendDefaults.Audience"/>).</value>
    public string Audience { get; set; } = SampleBackendDefaults.Audience;

    /// <summary>
    /// Gets the keys that sign accepted tokens. When not empty they are used instead of discovery, and
    /// <see cref="Issuer"/> is the only accepted issuer.
    /// </summary>
    /// <value>The default is an empty list.</value>
    public IList<SecurityKey> IssuerSigningKeys { get; } = new List<SecurityKey>();

    /// <summary>
    /// Gets or sets the accepted token issuer (the <c>iss</c> claim).
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: with <see cref="Authority"/> the issuer comes from the discovery document.
    /// Required when <see cref="IssuerSigningKeys"/> is not empty.
    /// </value>
    public string? Issuer { get; set; }

    /// <summary>
    /// Gets or sets whether the anonymous test endpoints (<c>/_test/recent-requests</c>, which shows every caller's
    /// recorded headers, and <c>/_test/stats</c>) are mapped.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: mapped in the Development environment only. <see langword="true"/> maps
    /// them anywhere (a test host); <see langword="false"/> never. Configuration key <c>SampleBackend:EnableTestEndpoints</c>
    /// in the reference server.
    /// </value>
    public bool? EnableTestEndpoints { get; set; }

    /// <summary>
    /// Gets or sets how many of the most recent requests the request recorder keeps.
    /// </summary>
    /// <value>The default is 100. Must be at least 1.</value>
    public int RecentRequestCapacity { get; set; } = SampleBackendDefaults.RecentRequestCapacity;
}
