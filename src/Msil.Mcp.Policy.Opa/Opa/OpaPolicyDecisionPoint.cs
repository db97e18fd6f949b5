using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Policy.Opa.Opa;

/// <summary>
/// Asks an OPA sidecar (<c>POST {endpoint}/v1/data/{path}</c>, seed §6.1). Fails closed on every error: timeout,
/// refused connection, non-2xx, an undefined result (<c>{}</c>) or a malformed body each deny with a reason that says which.
/// </summary>
internal sealed class OpaPolicyDecisionPoint(IHttpClientFactory httpClientFactory, IOptionsMonitor<OpaPolicyOptions> options, ILogger<OpaPolicyDecisionPoint> logger) : IPolicyDecisionPoint
{
    public const string EngineName = "opa";
    public const string HttpClientName = "Msil.Mcp.Policy.Opa";

    public async ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var o = options.CurrentValue;
        var uri = new Uri(o.Endpoint, "/v1/data/" + o.DecisionPath.Trim('/'));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.Timeout);
        try
        {
            using var content = new ByteArrayContent(BuildInput(request));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var client = httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.PostAsync(uri, content, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Log.OpaUnavailable(logger, $"HTTP {(int)response.StatusCode}");
                return Deny($"policy engine unavailable: OPA answered HTTP {(int)response.StatusCode}");
            }

            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            return Parse(body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.OpaUnavailable(logger, "timeout");
            return Deny($"policy engine unavailable: OPA did not answer within {o.Timeout.TotalMilliseconds:0} ms");
        }
        catch (HttpRequestException ex)
        {
            Log.OpaUnavailable(logger, ex.HttpRequestError.ToString());
            return Deny($"policy engine unavailable: {ex.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => "connection to OPA failed",
                HttpRequestError.NameResolutionError => "OPA host not found",
                _ => "request to OPA failed",
            }}");
        }
    }

    internal static PolicyDecision Parse(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("result", out var result))
            {
                return Deny("policy undefined: OPA returned no result for the decision path (is the policy loaded?)");
            }

            if (result.ValueKind == JsonValueKind.True || result.ValueKind == JsonValueKind.False)
            {
                return result.ValueKind == JsonValueKind.True ? PolicyDecision.Allowed("allowed by policy", EngineName) : Deny("denied by policy");
            }

            if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty("allow", out var allow) || (allow.ValueKind != JsonValueKind.True && allow.ValueKind != JsonValueKind.False))
            {
                return Deny("malformed policy result: 'allow' is missing or not a boolean");
            }

            var reason = result.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : (allow.GetBoolean() ? "allowed by policy" : "denied by policy");
            return allow.GetBoolean() ? PolicyDecision.Allowed(reason, EngineName) : Deny(reason);
        }
        catch (JsonException)
        {
            return Deny("malformed policy result: OPA's answer is not JSON");
        }
    }

    private static byte[] BuildInput(PolicyRequest request)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartObject("input");
            w.WriteStartObject("user");
            w.WriteString("id", request.User.UserId);
            w.WriteBoolean("authenticated", request.User.IsAuthenticated);
            WriteArray(w, "roles", request.User.Roles);
            WriteArray(w, "groups", request.User.Groups);
            w.WriteEndObject();
            w.WriteStartObject("tool");
            w.WriteString("name", request.Tool.Name);
            w.WriteString("risk_level", request.Tool.RiskLevel.ToWire());
            w.WriteString("version", request.Tool.Version);
            w.WriteEndObject();
            w.WriteString("action", request.Action == PolicyAction.List ? "list" : "execute");
            if (request.Arguments is not null)
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

        return ms.ToArray();
    }

    private static void WriteArray(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static PolicyDecision Deny(string reason) => PolicyDecision.Denied(reason, EngineName);

}
