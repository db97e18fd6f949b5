using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Msil.Mcp.Hosting;

/// <summary>Puts the correlation id and origin check at the front of the host's pipeline.</summary>
internal sealed class MsilMcpStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<CorrelationIdMiddleware>();
        app.UseMiddleware<OriginCheckMiddleware>();
        next(app);
    };
}
