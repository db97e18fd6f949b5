using System.Text.Json.Serialization;

namespace Msil.Mcp.SampleBackend;

/// <summary>
/// One request the backend received, as the <see cref="SampleBackendRequestRecorder"/> keeps it.
/// </summary>
/// <param name="ReceivedAt">When the request was recorded.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, including the route prefix.</param>
/// <param name="Query">The query string with its leading <c>?</c>, or <see langword="null"/>.</param>
/// <param name="Headers">
/// The request headers except <c>Authorization</c>; several values of one header are joined with commas. Credentials
/// (<c>Cookie</c>, <c>Proxy-Authorization</c>, <c>Ocp-Apim-Subscription-Key</c>, <c>X-Api-Key</c>) appear as <c>sha256:&lt;hex&gt;</c>.
/// </param>
/// <param name="Authorization">What the <c>Authorization</c> header said, without the token; <see langword="null"/> when there was none.</param>
/// <param name="StatusCode">The response status code.</param>
public sealed record RecordedRequest(
    DateTimeOffset ReceivedAt,
    string Method,
    string Path,
    string? Query,
    IReadOnlyDictionary<string, string> Headers,
    RecordedAuthorization? Authorization,
    int StatusCode);

/// <summary>
/// The <c>Authorization</c> header of a recorded request: its scheme, a hash of its token and, when the token was
/// validated, the claims that tell who called and through whom. The token itself is never kept.
/// </summary>
/// <param name="Scheme">The authentication scheme (e.g. <c>Bearer</c>).</param>
/// <param name="TokenSha256">The SHA-256 of the token (UTF-8), as lowercase hex.</param>
/// <param name="Validated">Whether the token was validated for this backend.</param>
/// <param name="Subject">The <c>sub</c> claim.</param>
/// <param name="Audiences">The <c>aud</c> claims.</param>
/// <param name="Issuer">The <c>iss</c> claim.</param>
/// <param name="Actor">The <c>act</c> claim (RFC 8693) as JSON text, present when the token was issued by token exchange.</param>
/// <param name="AuthorizedParty">The <c>azp</c> claim.</param>
/// <param name="ClientId">The <c>client_id</c> claim.</param>
/// <param name="Scope">The <c>scope</c> (or <c>scp</c>) claim.</param>
public sealed record RecordedAuthorization(
    string Scheme,
    string? TokenSha256,
    bool Validated,
    [property: JsonPropertyName("sub")] string? Subject,
    [property: JsonPropertyName("aud")] IReadOnlyList<string> Audiences,
    [property: JsonPropertyName("iss")] string? Issuer,
    [property: JsonPropertyName("act")] string? Actor,
    [property: JsonPropertyName("azp")] string? AuthorizedParty,
    [property: JsonPropertyName("client_id")] string? ClientId,
    [property: JsonPropertyName("scope")] string? Scope);

/// <summary>
/// Counters of what the backend actually did, for tests that assert an effect happened once.
/// </summary>
/// <param name="PaymentsProcessed">Payments actually charged (idempotent replays not included).</param>
/// <param name="IdempotentReplays">Payment requests answered with an earlier payment because their <c>Idempotency-Key</c> was seen before.</param>
/// <param name="BookingsCreated">Bookings created since start (seed bookings not included).</param>
/// <param name="CustomersErased">Customers whose data was erased.</param>
/// <param name="RecordedRequests">Requests the recorder holds now.</param>
public sealed record SampleBackendStats(
    int PaymentsProcessed,
    int IdempotentReplays,
    int BookingsCreated,
    int CustomersErased,
    int RecordedRequests = 0);
