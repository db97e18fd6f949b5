using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Hosting;

/// <summary>
/// The host names requests may carry (DNS-rebinding protection), read once from the <c>AllowedHosts</c> key: an explicit
/// list wins; without one (unset or <c>*</c>) only loopback names are accepted, and in Production the host refuses to
/// start. Applies to every endpoint of the host, not only the packages' own.
/// </summary>
internal sealed class AllowedHostList
{
    /// <summary>The configuration key (ASP.NET Core's own host-filtering key).</summary>
    public const string Key = "AllowedHosts";

    /// <summary>The names accepted when no list is configured.</summary>
    public static readonly IReadOnlyList<string> Loopback = ["localhost", "127.0.0.1", "[::1]"];

    public AllowedHostList(IConfiguration? configuration, IHostEnvironment environment)
    {
        var configured = (configuration?[Key] ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(h => h != "*")
            .ToArray();
        Explicit = configured.Length > 0;
        Hosts = Explicit ? configured : [.. Loopback];
        Patterns = [.. Hosts.Select(h => new StringSegment(h))];
        EnvironmentName = environment.EnvironmentName;
        if (!Explicit && environment.IsProduction())
        {
            Error = $"{Key} is not set (or is '*') in the Production environment: every request would be accepted whatever its Host header, which "
                + "lets a page on another name reach this server by DNS rebinding. Set AllowedHosts to this server's public host names, separated "
                + "by ';' (for example \"AllowedHosts\": \"mcp.example.com\" in appsettings.Production.json, or the environment variable AllowedHosts).";
        }
    }

    /// <summary>Gets whether the list came from configuration.</summary>
    public bool Explicit { get; }

    /// <summary>Gets the accepted host names (patterns such as <c>*.example.com</c> allowed).</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>Gets the environment's name.</summary>
    public string EnvironmentName { get; }

    /// <summary>Gets why the host must not start, or <see langword="null"/>.</summary>
    public string? Error { get; }

    private StringSegment[] Patterns { get; }

    /// <summary>Returns whether <paramref name="host"/> (the request's Host header) is accepted.</summary>
    public bool Accepts(HostString host) => host.HasValue && HostString.MatchesAny(HostPart(host), Patterns);

    /// <summary>
    /// The host part of the header as <see cref="HostString.Host"/> reads it. The usual header (<c>name</c> or
    /// <c>name:port</c>) is cut as a segment of the header's string, no copy per request; anything else (IPv6, an empty
    /// port) goes through <see cref="HostString.Host"/> itself.
    /// </summary>
    internal static StringSegment HostPart(HostString host)
    {
        var value = host.Value!;
        if (value.AsSpan().IndexOfAny('[', ']') < 0)
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return new StringSegment(value);
            }

            if (colon > 0 && colon < value.Length - 1 && value.IndexOf(':', colon + 1) < 0)
            {
                return new StringSegment(value, 0, colon);
            }
        }

        return new StringSegment(host.Host);
    }
}

/// <summary>Refuses a request whose Host header is not in <see cref="AllowedHostList"/> with 400, before anything else runs.</summary>
/// <remarks>
/// Kept with ModelContextProtocol.AspNetCore 2.4.0: its transport checks no Host header at all (docs/compatibility.md,
/// "what the SDK does itself"), and this check also covers the endpoints the SDK does not map (admin, discovery, health).
/// </remarks>
internal sealed class HostFilteringMiddleware(RequestDelegate next, AllowedHostList hosts, ILogger<HostFilteringMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (hosts.Accepts(context.Request.Host))
        {
            return next(context);
        }

        var host = context.Request.Host.Value ?? string.Empty;
        Log.HostRefused(logger, host.Length > 200 ? host[..200] : host);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync("Bad Request: the Host header is not in AllowedHosts.");
    }
}
