using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;

namespace Msil.Mcp.Catalog;

/// <summary>
/// The <c>nextCursor</c> of a paged <c>tools/list</c>: the last tool name of the page and the caller it was issued to,
/// encrypted and authenticated with ASP.NET Core Data Protection (purpose <c>Msil.Mcp.ToolsListCursor.v1</c>), so the
/// client sees an opaque base64url string it cannot read or forge. It holds no position in a catalog version: the next
/// page starts after that name in the catalog served then, so a cursor outlives catalog changes. It grants nothing:
/// every page runs the policy filter again.
/// </summary>
internal sealed class ToolListCursor(IDataProtectionProvider provider)
{
    private const string Purpose = "Msil.Mcp.ToolsListCursor.v1";
    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    /// <summary>A cursor for the page after <paramref name="lastName"/>, for <paramref name="principalKey"/> only.</summary>
    public string Create(string principalKey, string lastName)
        => Base64Url.EncodeToString(_protector.Protect(JsonSerializer.SerializeToUtf8Bytes(new Payload(principalKey, lastName), CatalogJsonContext.Default.Payload)));

    /// <summary>Reads a cursor sent back by a client; on failure <paramref name="reason"/> says why (never its content).</summary>
    public bool TryRead(string cursor, string principalKey, out string lastName, out string reason)
    {
        lastName = string.Empty;
        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize(_protector.Unprotect(Base64Url.DecodeFromChars(cursor)), CatalogJsonContext.Default.Payload);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or JsonException)
        {
            reason = "it failed its integrity check (a cursor is opaque: send back the nextCursor of the previous page unchanged)";
            return false;
        }

        if (payload is null || payload.After is null)
        {
            reason = "it failed its integrity check";
            return false;
        }

        if (!string.Equals(payload.User, principalKey, StringComparison.Ordinal))
        {
            reason = "it was issued to another caller";
            return false;
        }

        lastName = payload.After;
        reason = string.Empty;
        return true;
    }

    internal sealed record Payload(string User, string After);
}

[JsonSerializable(typeof(ToolListCursor.Payload))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
