using Msil.Mcp.Admin;
using Msil.Mcp.Admin.Components;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the Msil.Mcp admin console.</summary>
public static class AdminApplicationBuilderExtensions
{
    /// <summary>
    /// Mounts the admin console at <paramref name="path"/> (its own pipeline branch: sign-in, security headers, the
    /// pages and an audit export download). The MCP server's own endpoints and default authentication are untouched.
    /// </summary>
    /// <param name="app">The host's pipeline.</param>
    /// <param name="path">Where to mount it.</param>
    /// <returns>The host's pipeline.</returns>
    /// <value>The path defaults to <c>/admin</c>.</value>
    /// <exception cref="ArgumentNullException"><paramref name="app"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>AddMsilMcpAdmin</c> was not called.</exception>
    public static IApplicationBuilder MapMsilMcpAdmin(this IApplicationBuilder app, string path = "/admin")
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.MapMsilWebUi<App>(AdminConsole.Name, path, AuditExportEndpoint.Map);
    }
}
