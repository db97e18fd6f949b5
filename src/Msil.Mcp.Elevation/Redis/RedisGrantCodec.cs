using System.Buffers;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation.Redis;

/// <summary>
/// The JSON value of a grant in Redis: the seed's fields (<c>granted_at</c>, <c>expires_at</c>, <c>scope</c>,
/// <c>approval_reference</c>) plus <c>principal_key</c>, <c>user_id</c>, <c>single_use</c> and <c>arguments_hash</c>. Written and read by
/// hand so that no reflection is needed (AOT) and times keep the seed's <c>…Z</c> form.
/// </summary>
internal static class RedisGrantCodec
{
    public static byte[] Encode(ElevationGrant grant)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("principal_key", grant.PrincipalKey);
            writer.WriteString("user_id", grant.UserId);
            writer.WriteString("scope", grant.Scope);
            writer.WriteString("granted_at", GrantJson.FormatTime(grant.GrantedAt));
            writer.WriteString("expires_at", GrantJson.FormatTime(grant.ExpiresAt));
            writer.WriteString("approval_reference", grant.ApprovalReference);
            writer.WriteBoolean("single_use", grant.SingleUse);
            if (grant.ArgumentsHash is null)
            {
                writer.WriteNull("arguments_hash");
            }
            else
            {
                writer.WriteString("arguments_hash", grant.ArgumentsHash);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a stored grant; <paramref name="principalKey"/> and <paramref name="scope"/> (the key's) fill fields a
    /// seed-shaped value leaves out, and a value that names another principal or scope is not a grant for the key.
    /// </summary>
    /// <returns>The grant, or <see langword="null"/> when the value is not a grant.</returns>
    public static ElevationGrant? Decode(ReadOnlySpan<byte> json, string principalKey, string scope)
    {
        string? principal = null, user = null, grantScope = null, reference = null, argumentsHash = null;
        DateTimeOffset? grantedAt = null, expiresAt = null;
        var singleUse = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "principal_key":
                        principal = StringOrNull(ref reader);
                        break;
                    case "user_id":
                        user = StringOrNull(ref reader);
                        break;
                    case "scope":
                        grantScope = StringOrNull(ref reader);
                        break;
                    case "granted_at":
                        grantedAt = GrantJson.ParseTime(StringOrNull(ref reader));
                        break;
                    case "expires_at":
                        expiresAt = GrantJson.ParseTime(StringOrNull(ref reader));
                        break;
                    case "approval_reference":
                        reference = StringOrNull(ref reader);
                        break;
                    case "single_use":
                        singleUse = reader.TokenType == JsonTokenType.True;
                        reader.Skip();
                        break;
                    case "arguments_hash":
                        argumentsHash = StringOrNull(ref reader);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        if (expiresAt is null
            || (principal is not null && !string.Equals(principal, principalKey, StringComparison.Ordinal))
            || (grantScope is not null && !string.Equals(grantScope, scope, StringComparison.Ordinal)))
        {
            return null;
        }

        return new ElevationGrant
        {
            UserId = user ?? principalKey,
            PrincipalKey = principalKey,
            Scope = scope,
            GrantedAt = grantedAt ?? DateTimeOffset.MinValue,
            ExpiresAt = expiresAt.Value,
            ApprovalReference = reference ?? string.Empty,
            SingleUse = singleUse,
            ArgumentsHash = string.IsNullOrEmpty(argumentsHash) ? null : argumentsHash,
        };
    }

    private static string? StringOrNull(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }
}
