using Microsoft.Extensions.DependencyInjection;

namespace Msil.Mcp;

/// <summary>Builds the governed MCP server; returned by <c>AddMsilMcp()</c> and extended by each feature package.</summary>
public interface IMsilMcpBuilder
{
    /// <summary>Gets the host's service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>Gets the MCP SDK's builder, for raw SDK calls.</summary>
    IMcpServerBuilder Mcp { get; }
}

internal sealed class MsilMcpBuilder(IServiceCollection services, IMcpServerBuilder mcp) : IMsilMcpBuilder
{
    public IServiceCollection Services { get; } = services;

    public IMcpServerBuilder Mcp { get; } = mcp;
}
