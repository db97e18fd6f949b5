using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Policy.Opa.Opa;

/// <summary>
/// Asks an OPA sidecar: <c>POST {endpoint}/v1/data/{path}</c> with <c>{"input": {user, tool, action}}</c> (seed §6.1)
/// and reads <c>result.allow</c> and <c>result.reason</c>. Fails closed on every error: a timeout, a refused connection,
/// a non-2xx status, an undefined result (<c>{}</c>) or a malformed body each deny, with a reason that says which and
/// never OPA's own error text. Well-formed answers may be cached briefly (<see cref="OpaPolicyOptions.DecisionCacheDuration"/>).
/// </summary>
internal sealed class OpaPolicyDecisionPoint : IPolicyDecisionPoint
{
    public const string EngineName = "opa";
    public const string HttpClientName = "Msil.Mcp.Policy.Opa";

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptionsMonitor<OpaPolicyOptions> _options;
    private readonly TimeProvider _time;
    private readonly PolicyTelemetry _telemetry;
    private readonly ILogger<OpaPolicyDecisionPoint> _logger;
    private Target? _target;
    private long _lastWarning = long.MinValue;

    public OpaPolicyDecisionPoint(IHttpClientFactory httpClientFactory, IOptionsMonitor<OpaPolicyOptions> options, TimeProvider time, PolicyTelemetry telemetry, ILogger<OpaPolicyDecisionPoint> logger)
    {
        _httpClientFactory = httpClientFactory;
        _options = options;
        _time = time;
        _telemetry = telemetry;
        _logger = logger;
        Cache = new OpaDecisionCache(time);
    }

    internal OpaDecisionCache Cache { get; }

    /// <summary>Gets whether calls are decided with their arguments: only with <see cref="OpaPolicyOptions.IncludeArguments"/>.</summary>
    public bool RequiresArguments => _options.CurrentValue.IncludeArguments;

    public async ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var start = _time.GetTimestamp();
        using var activity = PolicyTelemetry.StartActivity(request, EngineName);
        var o = _options.CurrentValue;
        var cacheable = OpaDecisionCache.IsCacheable(request, o);
        if (cacheable && Cache.TryGet(request, out var cachedAllow, out var cachedReason))
        {
            var hit = cachedAllow ? Decisions.Allow(cachedReason, EngineName) : Decisions.Deny(cachedReason, EngineName);
            _telemetry.Record(activity, EngineName, hit, failure: null, cached: true, _time.GetElapsedTime(start));
            return hit;
        }

        var outcome = await AskAsync(request, o, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is null && cacheable)
        {
            Cache.Set(request, outcome.Decision.Allow, outcome.Decision.Reason, o.DecisionCacheDuration);
        }

        if (outcome.OpaDecisionId is not null && activity is { IsAllDataRequested: true })
        {
            activity.SetTag("msil.policy.opa_decision_id", outcome.OpaDecisionId);
        }

        _telemetry.Record(activity, EngineName, outcome.Decision, outcome.Failure, cached: false, _time.GetElapsedTime(start));
        return outcome.Decision;
    }

    private async ValueTask<Outcome> AskAsync(PolicyRequest request, OpaPolicyOptions o, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(o.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var content = new ReadOnlyMemoryContent(BuildInput(request, o.IncludeArguments));
            content.Headers.ContentType = Json;
            var client = _httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.PostAsync(TargetOf(o), content, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is < 200 or > 299)
            {
                return Fail(status >= 500 ? $"policy engine unavailable: OPA answered HTTP {status}" : $"policy engine refused the query: OPA answered HTTP {status}", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            var body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            var parsed = Parse(body);
            if (parsed.Failure is not null)
            {
                Warn(parsed.Failure);
            }

            return parsed;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail($"policy engine unavailable: OPA did not answer within {o.Timeout.TotalMilliseconds:0} ms", "timeout");
        }
        catch (HttpRequestException ex)
        {
            var (what, kind) = ex.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => ("connection to OPA failed", "connection_error"),
                HttpRequestError.NameResolutionError => ("OPA host not found", "name_resolution_error"),
                _ => ("request to OPA failed", "http_request_error"),
            };
            return Fail("policy engine unavailable: " + what, kind);
        }
        catch (IOException)
        {
            return Fail("policy engine unavailable: the connection to OPA broke", "io_error");
        }
    }

    private Outcome Fail(string reason, string kind)
    {
        Warn(kind);
        return new Outcome(Decisions.Deny(reason, EngineName), kind, null);
    }

    // One warning per 10 s at most: with OPA down, every tool of every tools/list would otherwise log one.
    private void Warn(string kind)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarning);
        if ((last == long.MinValue || _time.GetElapsedTime(last, now) >= WarningInterval) && Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
        {
            Log.OpaUnavailable(_logger, kind);
        }
        else
        {
            Log.OpaUnavailableRepeated(_logger, kind);
        }
    }

    /// <summary>Reads OPA's answer: <c>{"result": {"allow": bool, "reason": string}}</c>, or <c>{"result": bool}</c> for a path that is the boolean itself.</summary>
    internal static Outcome Parse(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Malformed("OPA's answer is not a JSON object");
            }

            var opaId = root.TryGetProperty("decision_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            if (!root.TryGetProperty("result", out var result))
            {
                return new Outcome(Decisions.Deny("policy undefined: OPA returned no result for the decision (is the policy loaded?)", EngineName), "undefined", opaId);
            }

            switch (result.ValueKind)
            {
                case JsonValueKind.True:
                    return new Outcome(Decisions.Allow("allowed by policy", EngineName), null, opaId);
                case JsonValueKind.False:
                    return new Outcome(Decisions.Deny("denied by policy", EngineName), null, opaId);
                case JsonValueKind.Object:
                    break;
                default:
                    return Malformed("'result' is neither an object nor a boolean");
            }

            if (!result.TryGetProperty("allow", out var allow) || allow.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Malformed("'allow' is missing or not a boolean");
            }

            var allowed = allow.ValueKind == JsonValueKind.True;
            var reason = result.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() is { Length: > 0 } text
                ? text
                : allowed ? "allowed by policy" : "denied by policy";
            return new Outcome(allowed ? Decisions.Allow(reason, EngineName) : Decisions.Deny(reason, EngineName), null, opaId);
        }
        catch (JsonException)
        {
            return Malformed("OPA's answer is not JSON");
        }

        static Outcome Malformed(string what) => new(Decisions.Deny("malformed policy result: " + what, EngineName), "malformed", null);
    }

    /// <summary>Writes <c>{"input": {"user": {id, authenticated, roles, groups, scopes}, "tool": {name, id, risk_level, version, required_scopes}, "action", "arguments"?}}</c>.</summary>
    internal static ReadOnlyMemory<byte> BuildInput(PolicyRequest request, bool includeArguments)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("input");
            w.WriteStartObject("user");
            w.WriteString("id", request.User.UserId);
            w.WriteBoolean("authenticated", request.User.IsAuthenticated);
            WriteArray(w, "roles", request.User.Roles);
            WriteArray(w, "groups", request.User.Groups);
            WriteArray(w, "scopes", request.User.Scopes);
            w.WriteEndObject();
            w.WriteStartObject("tool");
            w.WriteString("name", request.Tool.Name);
            w.WriteString("id", request.Tool.Id ?? request.Tool.Name);
            w.WriteString("risk_level", request.Tool.RiskLevel.ToWire());
            w.WriteString("version", request.Tool.Version);
            WriteArray(w, "required_scopes", request.Tool.RequiredScopes);
            w.WriteEndObject();
            w.WriteString("action", PolicyTelemetry.Action(request.Action));
            if (includeArguments && request.Arguments is not null)
            {
                w.WriteStartObject("arguments");
                foreach (var (name, value) in request.Arguments)
                {
                    w.WritePropertyName(name);
                    value.WriteTo(w);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    /// <summary>Returns <c>{endpoint}/v1/data/{path}</c>, keeping a path base of the endpoint.</summary>
    internal static Uri DecisionUri(OpaPolicyOptions o)
        => new(o.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/v1/data/" + o.DecisionPath.Trim('/'), UriKind.Absolute);

    private Uri TargetOf(OpaPolicyOptions o)
    {
        var target = _target;
        if (target is null || !ReferenceEquals(target.Options, o))
        {
            target = new Target(o, DecisionUri(o));
            _target = target;
        }

        return target.Uri;
    }

    private static void WriteArray(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        for (var i = 0; i < values.Count; i++)
        {
            w.WriteStringValue(values[i]);
        }

        w.WriteEndArray();
    }

    private sealed record Target(OpaPolicyOptions Options, Uri Uri);

    /// <summary>A decision, why the engine could not decide (<see langword="null"/> when OPA did), and OPA's own decision id if it sent one.</summary>
    internal readonly record struct Outcome(PolicyDecision Decision, string? Failure, string? OpaDecisionId);
}
