using Microsoft.AspNetCore.Http.Metadata;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Tests.Hosting;

public sealed class MsilMcpEndpointsTests
{
    [Fact]
    public async Task MapMsilMcp_HostConventionOnRest_AppliesToEveryRestEndpointNotToMcp()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddMsilMcp();
        await using var app = builder.Build();

        var mapped = app.MapMsilMcp("/mcp");
        mapped.Rest.WithTags("msil-rest");
        mapped.Packages["Msil.Mcp"].WithMetadata(new CoreMarker());
        mapped.WithMetadata(new McpMarker());

        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
        var users = Assert.Single(endpoints, e => e.RoutePattern.RawText == "/api/users");
        var simulate = Assert.Single(endpoints, e => e.RoutePattern.RawText == "/api/policy/simulate");
        var mcp = endpoints.Where(e => e.RoutePattern.RawText?.StartsWith("/mcp", StringComparison.Ordinal) == true).ToList();
        Assert.NotEmpty(mcp);
        foreach (var rest in new[] { users, simulate })
        {
            Assert.Contains("msil-rest", rest.Metadata.GetMetadata<ITagsMetadata>()!.Tags);
            Assert.NotNull(rest.Metadata.GetMetadata<CoreMarker>());
            Assert.Null(rest.Metadata.GetMetadata<McpMarker>());
        }

        Assert.All(mcp, e =>
        {
            Assert.Null(e.Metadata.GetMetadata<ITagsMetadata>());
            Assert.NotNull(e.Metadata.GetMetadata<McpMarker>());
        });
    }

    [Fact]
    public async Task MapMsilMcp_Packages_KeyedByPackageId()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddMsilMcp();
        await using var app = builder.Build();

        var mapped = app.MapMsilMcp();

        Assert.Equal(["Msil.Mcp"], mapped.Packages.Keys);
        Assert.IsType<MsilMcpEndpoints>(mapped);
    }

    private sealed class CoreMarker;

    private sealed class McpMarker;
}
