using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Msil.Mcp.Hosting;

/// <summary>
/// What <c>MapMsilMcp()</c> mapped: the MCP endpoint and the REST endpoints of the packages, as builders a host adds its
/// own conventions to (<c>RequireCors</c>, <c>WithTags</c>, <c>RequireRateLimiting</c>, …).
/// </summary>
/// <remarks>
/// A convention added to this object itself applies to the MCP endpoint only, as when <c>MapMsilMcp()</c> returned that
/// endpoint's builder (so <c>app.MapMsilMcp("/mcp").RequireAuthorization()</c> still means what it did). Add conventions
/// for the REST endpoints to <see cref="Rest"/> (every package) or to one of <see cref="Packages"/>.
/// </remarks>
public sealed class MsilMcpEndpoints : IEndpointConventionBuilder
{
    internal MsilMcpEndpoints(IEndpointConventionBuilder mcp, RouteGroupBuilder rest, IReadOnlyDictionary<string, RouteGroupBuilder> packages)
    {
        Mcp = mcp;
        Rest = rest;
        Packages = packages;
    }

    /// <summary>Gets the builder of the MCP (Streamable HTTP) endpoint.</summary>
    public IEndpointConventionBuilder Mcp { get; }

    /// <summary>Gets the group (no route prefix) of every package's REST endpoints: admin, policy simulation, registry, discovery, audit, elevation.</summary>
    public RouteGroupBuilder Rest { get; }

    /// <summary>
    /// Gets the REST group of each package, keyed by its package id (<c>Msil.Mcp</c> for the core's admin and
    /// policy-simulation endpoints, <c>Msil.Mcp.Registry</c>, <c>Msil.Mcp.Audit</c>, <c>Msil.Mcp.Elevation</c>, …); each is
    /// nested in <see cref="Rest"/>. Only packages that were added (and map endpoints) are listed.
    /// </summary>
    public IReadOnlyDictionary<string, RouteGroupBuilder> Packages { get; }

    /// <summary>Adds <paramref name="convention"/> to the MCP endpoint (see <see cref="Mcp"/>).</summary>
    /// <param name="convention">The convention.</param>
    public void Add(Action<EndpointBuilder> convention) => Mcp.Add(convention);

    /// <summary>Adds <paramref name="finallyConvention"/> to the MCP endpoint, to run after every other convention.</summary>
    /// <param name="finallyConvention">The convention.</param>
    public void Finally(Action<EndpointBuilder> finallyConvention) => Mcp.Finally(finallyConvention);
}
