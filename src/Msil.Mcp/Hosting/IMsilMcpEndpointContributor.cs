using Microsoft.AspNetCore.Routing;

namespace Msil.Mcp.Hosting;

/// <summary>Lets a feature package add its REST endpoints when the host calls <c>MapMsilMcp()</c>.</summary>
public interface IMsilMcpEndpointContributor
{
    /// <summary>Maps the package's endpoints.</summary>
    /// <param name="endpoints">The host's endpoint route builder.</param>
    void MapEndpoints(IEndpointRouteBuilder endpoints);
}
