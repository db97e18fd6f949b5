namespace Msil.Mcp.WebUi;

/// <summary>The authentication scheme names of a console; distinct from the MCP server's bearer scheme, which stays the host's default.</summary>
public static class WebUiSchemes
{
    /// <summary>The prefix of every console scheme.</summary>
    public const string Prefix = "MsilWebUi.";

    /// <summary>Returns the cookie (session) scheme of the console named <paramref name="console"/>.</summary>
    /// <param name="console">The console's name, for example <c>admin</c>.</param>
    /// <returns>The scheme name, <c>MsilWebUi.{console}.Cookie</c>.</returns>
    public static string Cookie(string console) => Prefix + console + ".Cookie";

    /// <summary>Returns the OpenID Connect scheme of the console named <paramref name="console"/>.</summary>
    /// <param name="console">The console's name, for example <c>admin</c>.</param>
    /// <returns>The scheme name, <c>MsilWebUi.{console}.Oidc</c>.</returns>
    public static string Oidc(string console) => Prefix + console + ".Oidc";
}
