using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Auth.Validation;

/// <summary>
/// Adds <c>scope="…"</c> (from <see cref="MsilAuthOptions.Scopes"/>) to the 401 <c>WWW-Authenticate: Bearer</c> challenge,
/// next to <c>resource_metadata</c>, so an MCP client knows which scopes to ask for (MCP authorization, scope selection).
/// </summary>
internal sealed class ChallengeScopeStartupFilter(IOptionsMonitor<MsilAuthOptions> options) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Response.OnStarting(static state =>
            {
                var (http, scopes) = ((HttpContext, IList<string>))state;
                if (http.Response.StatusCode == StatusCodes.Status401Unauthorized && scopes.Count > 0)
                {
                    var challenge = http.Response.Headers.WWWAuthenticate.ToString();
                    if (challenge.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) && !challenge.Contains("scope=", StringComparison.Ordinal))
                    {
                        var scope = $"scope=\"{string.Join(' ', scopes)}\"";
                        http.Response.Headers.WWWAuthenticate = challenge.Length > "Bearer".Length ? challenge + ", " + scope : "Bearer " + scope;
                    }
                }

                return Task.CompletedTask;
            }, (context, options.CurrentValue.Scopes));
            return nextMiddleware(context);
        });
        next(app);
    };
}
