using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Testing;

/// <summary>How <see cref="MsilMcpTestHost.StartAsync"/> builds its host.</summary>
public sealed class MsilMcpTestHostOptions
{
    /// <summary>Gets or sets the host environment. The test authentication refuses <c>Production</c>.</summary>
    /// <value>Defaults to <c>Development</c>.</value>
    public string EnvironmentName { get; set; } = "Development";

    /// <summary>Gets or sets the content root (where relative paths such as a SQLite file resolve), or <see langword="null"/> for the working directory.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? ContentRootPath { get; set; }

    /// <summary>Gets or sets whether the MCP endpoint requires an authenticated caller (401 otherwise).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool RequireAuthorization { get; set; } = true;

    /// <summary>Gets or sets the lowest log level written.</summary>
    /// <value>Defaults to <see cref="LogLevel.Warning"/>.</value>
    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Warning;

    /// <summary>Gets or sets a callback that configures the web application builder further (services, configuration).</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Action<WebApplicationBuilder>? ConfigureHost { get; set; }

    /// <summary>Gets or sets a callback that adds middleware or endpoints before the MCP endpoint is mapped.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Action<WebApplication>? ConfigureApp { get; set; }
}
