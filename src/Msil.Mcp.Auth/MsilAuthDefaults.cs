namespace Msil.Mcp.Auth;

/// <summary>Names used by the Msil.Mcp.Auth package.</summary>
public static class MsilAuthDefaults
{
    /// <summary>The authentication scheme that validates bearer tokens.</summary>
    public const string AuthenticationScheme = "MsilBearer";
}
