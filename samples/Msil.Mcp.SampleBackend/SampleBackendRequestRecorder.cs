using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Msil.Mcp.SampleBackend.Data;

namespace Msil.Mcp.SampleBackend;

/// <summary>
/// Keeps the most recent requests to the backend's <c>/v1</c> endpoints (a ring buffer), so that tests can see what
/// the MCP server forwarded: headers, and who the bearer token said the caller was. Tokens and other credentials are
/// never kept, only their SHA-256.
/// </summary>
/// <remarks>Resolve it from the host's services, or read <c>GET {prefix}/_test/recent-requests</c>.</remarks>
public sealed class SampleBackendRequestRecorder
{
    /// <summary>Headers whose values are credentials: they are recorded as <c>sha256:&lt;hex&gt;</c>, never as sent.</summary>
    private static readonly HashSet<string> SecretHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Cookie,
        HeaderNames.ProxyAuthorization,
        "Ocp-Apim-Subscription-Key",
        "X-Api-Key",
    };

    private readonly Lock _gate = new();
    private readonly Queue<RecordedRequest> _requests = new();
    private readonly int _capacity;
    private readonly SampleDataStore _store;
    private readonly TimeProvider _timeProvider;

    internal SampleBackendRequestRecorder(int capacity, SampleDataStore store, TimeProvider timeProvider)
    {
        _capacity = capacity;
        _store = store;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// Returns the recorded requests, most recent first.
    /// </summary>
    /// <returns>At most <see cref="SampleBackendOptions.RecentRequestCapacity"/> requests.</returns>
    public IReadOnlyList<RecordedRequest> GetRecentRequests()
    {
        lock (_gate)
        {
            return _requests.Reverse().ToList();
        }
    }

    /// <summary>
    /// Returns the counters of what the backend actually did (payments charged, idempotent replays, bookings, erasures).
    /// </summary>
    /// <returns>A snapshot of the counters.</returns>
    public SampleBackendStats GetStats() => _store.GetStats() with { RecordedRequests = Count };

    /// <summary>
    /// Forgets every recorded request. The counters of <see cref="GetStats"/> are not reset.
    /// </summary>
    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    private int Count
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>Records a request; <paramref name="principal"/> is the validated token's principal, if any.</summary>
    internal void Record(HttpContext context, int statusCode, ClaimsPrincipal? principal)
    {
        var request = context.Request;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            if (string.Equals(name, HeaderNames.Authorization, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = values.ToString();
            headers[name] = SecretHeaders.Contains(name) ? "sha256:" + Sha256Hex(value) : value;
        }

        var recorded = new RecordedRequest(
            _timeProvider.GetUtcNow(),
            request.Method,
            request.PathBase.Add(request.Path).ToString(),
            request.QueryString.HasValue ? request.QueryString.Value : null,
            headers,
            DescribeAuthorization(request.Headers.Authorization.ToString(), principal),
            statusCode);

        lock (_gate)
        {
            _requests.Enqueue(recorded);
            while (_requests.Count > _capacity)
            {
                _requests.Dequeue();
            }
        }
    }

    private static RecordedAuthorization? DescribeAuthorization(string header, ClaimsPrincipal? principal)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        header = header.Trim();
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            // No scheme, only a credential: keep nothing of it but its hash.
            return new RecordedAuthorization("(none)", Sha256Hex(header), false, null, [], null, null, null, null, null);
        }

        var scheme = header[..space];
        var credential = header[(space + 1)..].Trim();
        var hash = credential.Length == 0 ? null : Sha256Hex(credential);
        if (principal?.Identity?.IsAuthenticated != true)
        {
            return new RecordedAuthorization(scheme, hash, false, null, [], null, null, null, null, null);
        }

        return new RecordedAuthorization(
            scheme,
            hash,
            Validated: true,
            Subject: principal.FindFirst("sub")?.Value,
            Audiences: principal.FindAll("aud").Select(c => c.Value).ToList(),
            Issuer: principal.FindFirst("iss")?.Value,
            Actor: principal.FindFirst("act")?.Value,
            AuthorizedParty: principal.FindFirst("azp")?.Value,
            ClientId: principal.FindFirst("client_id")?.Value,
            Scope: principal.FindFirst("scope")?.Value ?? principal.FindFirst("scp")?.Value);
    }

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
