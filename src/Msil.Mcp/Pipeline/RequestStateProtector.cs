using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Pipeline;

/// <summary>
/// Protects the request state of an input-required result (MRTR, SEP-2322): the executor's state is encrypted and
/// authenticated with ASP.NET Core Data Protection, bound to the tool and the caller (its
/// <see cref="Abstractions.CallerIdentity.PrincipalKey"/>: issuer and subject), and valid for
/// <see cref="MsilMcpOptions.InputRequestStateLifetimeSeconds"/>. The client sees an opaque base64url string.
/// </summary>
internal sealed class RequestStateProtector
{
    private const string Purpose = "Msil.Mcp.RequestState.v1";
    private readonly IDataProtector _protector;
    private readonly IOptionsMonitor<MsilMcpOptions> _options;
    private readonly TimeProvider _time;

    public RequestStateProtector(IDataProtectionProvider provider, IOptionsMonitor<MsilMcpOptions> options, TimeProvider time)
    {
        _protector = provider.CreateProtector(Purpose);
        _options = options;
        _time = time;
    }

    /// <summary>Protects <paramref name="state"/> for a retry of <paramref name="toolName"/> by the principal <paramref name="principalKey"/>.</summary>
    public string Protect(string state, string toolName, string principalKey)
    {
        var expires = _time.GetUtcNow() + TimeSpan.FromSeconds(_options.CurrentValue.InputRequestStateLifetimeSeconds);
        var payload = JsonSerializer.SerializeToUtf8Bytes(
            new Payload(toolName, principalKey, expires.ToUnixTimeMilliseconds(), state),
            PipelineJsonContext.Default.Payload);
        return Base64Url.EncodeToString(_protector.Protect(payload));
    }

    /// <summary>Verifies an echoed state; on failure <paramref name="reason"/> says why (never the state itself).</summary>
    public bool TryUnprotect(string echoed, string toolName, string principalKey, out string? state, out string reason)
    {
        state = null;
        byte[] payload;
        try
        {
            payload = _protector.Unprotect(Base64Url.DecodeFromChars(echoed));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            reason = "request state failed its integrity check";
            return false;
        }

        var data = JsonSerializer.Deserialize(payload, PipelineJsonContext.Default.Payload);
        if (data is null || !string.Equals(data.Tool, toolName, StringComparison.Ordinal))
        {
            reason = "request state was issued for another tool";
            return false;
        }

        if (!string.Equals(data.User, principalKey, StringComparison.Ordinal))
        {
            reason = "request state was issued to another caller";
            return false;
        }

        if (_time.GetUtcNow().ToUnixTimeMilliseconds() > data.Expires)
        {
            reason = "request state has expired";
            return false;
        }

        state = data.State;
        reason = string.Empty;
        return true;
    }

    internal sealed record Payload(string Tool, string User, long Expires, string State);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(RequestStateProtector.Payload))]
internal sealed partial class PipelineJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
