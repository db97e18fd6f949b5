namespace Msil.Mcp.WebUi;

/// <summary>The options of one web console (the admin console, the chat host) built on the shared shell; named by the console's name.</summary>
public sealed class MsilWebUiOptions
{
    /// <summary>Gets or sets the console's title, shown in the header and the browser tab.</summary>
    /// <value>Defaults to <c>Msil.Mcp</c>.</value>
    public string Title { get; set; } = "Msil.Mcp";

    /// <summary>Gets or sets the base address of the MCP server whose REST APIs the console calls.</summary>
    /// <value>Defaults to <see langword="null"/>: the host the console is served from (mounted in the same process).</value>
    public Uri? ServerUrl { get; set; }

    /// <summary>Gets or sets the OIDC authority (issuer) users sign in with; its discovery document is read from <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    /// <value>Defaults to <see langword="null"/>; required. Plain <c>http</c> is accepted only for a loopback address.</value>
    public Uri? Authority { get; set; }

    /// <summary>Gets or sets the OIDC client id of the console.</summary>
    /// <value>Defaults to empty; required.</value>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Gets or sets the client secret, for an authority that does not accept public clients with PKCE.</summary>
    /// <value>Defaults to <see langword="null"/> (public client, PKCE only).</value>
    public string? ClientSecret { get; set; }

    /// <summary>Gets the scopes requested at sign-in; include the scope that gets an access token for the MCP server (for example <c>api://msil-mcp-server/.default</c>).</summary>
    /// <value>Defaults to <c>openid</c> and <c>profile</c>.</value>
    public IList<string> Scopes { get; } = ["openid", "profile"];

    /// <summary>Gets or sets how long a signed-in session lasts without use.</summary>
    /// <value>Defaults to 8 hours.</value>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);
}
