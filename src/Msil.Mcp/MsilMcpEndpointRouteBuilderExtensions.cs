using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Msil.Mcp.Hosting;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the governed MCP endpoint and the feature packages' REST endpoints.</summary>
public static class MsilMcpEndpointRouteBuilderExtensions
{
    /// <summary>Maps MCP (Streamable HTTP) at <paramref name="pattern"/> and every feature package's endpoints.</summary>
    /// <param name="endpoints">The host's endpoint route builder.</param>
    /// <param name="pattern">The MCP route.</param>
    /// <returns>
    /// The mapped endpoints: conventions added to it apply to the MCP endpoint (for example <c>RequireAuthorization()</c>);
    /// <see cref="MsilMcpEndpoints.Rest"/> and <see cref="MsilMcpEndpoints.Packages"/> take conventions for the REST endpoints.
    /// </returns>
    /// <exception cref="InvalidOperationException"><c>AddMsilMcp()</c> was not called.</exception>
    public static MsilMcpEndpoints MapMsilMcp(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/mcp")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<Msil.Mcp.Pipeline.ToolCallPipeline>() is null)
        {
            throw new InvalidOperationException("MapMsilMcp() needs the governed MCP server: call builder.Services.AddMsilMcp() first.");
        }

        // One group (no prefix) for every package's REST endpoints, and one inside it per package, so that a host can add
        // its conventions (CORS, tags, rate limiting) to all of them or to one package's.
        var rest = endpoints.MapGroup(string.Empty);
        var packages = new Dictionary<string, RouteGroupBuilder>(StringComparer.Ordinal);
        foreach (var contributor in endpoints.ServiceProvider.GetServices<IMsilMcpEndpointContributor>())
        {
            var package = contributor.GetType().Assembly.GetName().Name ?? contributor.GetType().Name;
            if (!packages.TryGetValue(package, out var group))
            {
                group = rest.MapGroup(string.Empty);
                packages.Add(package, group);
            }

            contributor.MapEndpoints(group);
        }

        return new MsilMcpEndpoints(endpoints.MapMcp(pattern), rest, packages);
    }
}
