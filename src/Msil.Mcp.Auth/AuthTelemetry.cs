using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Msil.Mcp.Auth;

/// <summary>
/// The auth package's Meter and ActivitySource (both <c>Msil.Mcp.Auth</c>, listed in <see cref="MsilMcpTelemetry.SourceNames"/>):
/// a counter of refused bearer tokens by reason (the seed's <c>auth_failures</c>), and the spans <c>authenticate bearer</c>
/// (around a bearer token's validation) and <c>exchange token</c> (a downstream token fetched on a cache miss). Tags carry
/// only fixed values (a reason from a fixed list, never a token, a claim or an issuer the caller sent).
/// </summary>
internal sealed class AuthTelemetry
{
    /// <summary>The Meter and ActivitySource name (= the PackageId).</summary>
    public const string Name = "Msil.Mcp.Auth";

    /// <summary>The counter of refused bearer tokens, tagged with <see cref="ReasonTag"/>.</summary>
    public const string FailuresInstrument = "msil.mcp.auth.failures";

    /// <summary>The tag naming why a token was refused: <c>expired</c>, <c>audience</c>, <c>signature</c>, <c>algorithm</c>, … (docs/telemetry.md).</summary>
    public const string ReasonTag = "msil.auth.reason";

    private readonly Counter<long> _failures;

    public AuthTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name);
        _failures = meter.CreateCounter<long>(FailuresInstrument, "{failure}", "Refused bearer tokens by reason (seed: auth_failures).");
    }

    /// <summary>Gets the package's ActivitySource, named like the package.</summary>
    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Counts one refused bearer token.</summary>
    /// <param name="reason">One of the fixed reasons (never caller text).</param>
    public void Failure(string reason) => _failures.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));
}
