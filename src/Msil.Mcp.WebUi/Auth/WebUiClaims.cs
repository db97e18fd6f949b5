namespace Msil.Mcp.WebUi.Auth;

/// <summary>Claims the shell adds to a console session's principal (never sent to the browser: the ticket stays on the server).</summary>
internal static class WebUiClaims
{
    /// <summary>The key of the session's ticket in the server-side store.</summary>
    public const string SessionId = "msil_webui_sid";

    /// <summary>The name of the console the session belongs to.</summary>
    public const string Console = "msil_webui_console";
}
