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
    /// <returns>The MCP endpoint's convention builder, for example to call <c>RequireAuthorization()</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddMsilMcp()</c> was not called.</exception>
    public static IEndpointConventionBuilder MapMsilMcp(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/mcp")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<Msil.Mcp.Pipeline.ToolCallPipeline>() is null)
        {
            throw new InvalidOperationException("MapMsilMcp() needs the governed MCP server: call builder.Services.AddMsilMcp() first.");
        }

        foreach (var contributor in endpoints.ServiceProvider.GetServices<IMsilMcpEndpointContributor>())
        {
            contributor.MapEndpoints(endpoints);
        }

        return endpoints.MapMcp(pattern);
    }
}
