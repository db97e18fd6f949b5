using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Msil.Mcp.Auth.Tests.Infrastructure;

/// <summary>Builds JWTs by hand, so tests can make every kind of bad token an attacker would try.</summary>
internal sealed class TokenForge : IDisposable
{
    public TokenForge(string issuer, string kid = "key-1")
    {
        Issuer = issuer;
        Kid = kid;
        Rsa = RSA.Create(2048);
    }

    public string Issuer { get; }

    public string Kid { get; }

    public RSA Rsa { get; }

    public JsonObject Jwk()
    {
        var p = Rsa.ExportParameters(false);
        return new JsonObject
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = Kid,
            ["n"] = B64(p.Modulus!),
            ["e"] = B64(p.Exponent!),
        };
    }

    public JsonObject Claims(string audience = "api://msil-mcp-server", string user = "dana")
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());
        return new JsonObject
        {
            ["iss"] = Issuer,
            ["aud"] = audience,
            ["sub"] = "sub-" + user,
            ["oid"] = "oid-" + user,
            ["preferred_username"] = user + "@example.test",
            ["roles"] = new JsonArray("operator"),
            ["scope"] = "mcp:tools",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(30).ToUnixTimeSeconds(),
        };
    }

    public string Sign(JsonObject claims, string? kid = null, RSA? key = null)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = kid ?? Kid };
        var input = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = (key ?? Rsa).SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + B64(signature);
    }

    /// <summary>A token with <c>alg: none</c> and no signature.</summary>
    public string Unsigned(JsonObject claims)
        => B64(Encoding.UTF8.GetBytes("""{"alg":"none","typ":"JWT"}""")) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString())) + ".";

    /// <summary>Algorithm confusion: HS256 "signed" with the issuer's public key as the HMAC secret.</summary>
    public string HmacWithPublicKey(JsonObject claims)
    {
        var header = new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT", ["kid"] = Kid };
        var input = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var secret = Rsa.ExportSubjectPublicKeyInfo();
        return input + "." + B64(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)));
    }

    /// <summary>Changes the payload after signing, keeping the original signature.</summary>
    public static string Tamper(string token, Action<JsonObject> change)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Unb64(parts[1]))!.AsObject();
        change(payload);
        return parts[0] + "." + B64(Encoding.UTF8.GetBytes(payload.ToJsonString())) + "." + parts[2];
    }

    public void Dispose() => Rsa.Dispose();

    internal static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Unb64(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    internal static string Json(JsonObject o) => o.ToJsonString(new JsonSerializerOptions());
}
