namespace Msil.Mcp.WebUi;

/// <summary>The signed-in caller as the server sees them (<c>GET /api/mcp/me</c>); menus are shown from <see cref="Permissions"/>.</summary>
public sealed record MsilMe
{
    /// <summary>Gets the subject (<c>sub</c>).</summary>
    public string? Subject { get; init; }

    /// <summary>Gets the issuer.</summary>
    public string? Issuer { get; init; }

    /// <summary>Gets the display name.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the roles.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Gets the groups.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Gets the console permissions the server computed from the roles (for example <c>tools.read</c>).</summary>
    public IReadOnlyList<string> Permissions { get; init; } = [];

    /// <summary>Returns whether the caller has <paramref name="permission"/>; <see langword="null"/> or empty means no permission is needed.</summary>
    /// <param name="permission">The permission, for example <c>audit.read</c>.</param>
    /// <returns><see langword="true"/> when allowed.</returns>
    public bool Has(string? permission) => string.IsNullOrEmpty(permission) || Permissions.Contains(permission, StringComparer.Ordinal);
}

/// <summary>One entry of a console's navigation menu, shown only to callers with <see cref="Permission"/>.</summary>
/// <param name="Title">The text.</param>
/// <param name="Href">The link, relative to the console's path (for example <c>tools</c>).</param>
/// <param name="Permission">The permission needed, or <see langword="null"/> for everyone signed in.</param>
public sealed record MsilNavItem(string Title, string Href, string? Permission);
