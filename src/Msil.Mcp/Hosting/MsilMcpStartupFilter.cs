using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Hosting;

/// <summary>
/// Puts host filtering, the correlation id and the origin check at the front of the host's pipeline; refuses to build the
/// pipeline in Production without an explicit <c>AllowedHosts</c> list.
/// </summary>
internal sealed class MsilMcpStartupFilter(AllowedHostList hosts, ILogger<MsilMcpStartupFilter> logger) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (hosts.Error is { } error)
        {
            throw new MsilMcpConfigurationException(error);
        }

        if (!hosts.Explicit)
        {
            Log.LoopbackHostsOnly(logger, string.Join(", ", hosts.Hosts), hosts.EnvironmentName);
        }

        app.UseMiddleware<HostFilteringMiddleware>();
        app.UseMiddleware<CorrelationIdMiddleware>();
        app.UseMiddleware<OriginCheckMiddleware>();
        next(app);
    };
}
