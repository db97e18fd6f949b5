using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Msil.Mcp.Http;

/// <summary>
/// The 401 answer of every package's REST endpoints: through the host's default challenge scheme (its challenge says
/// how to sign in, e.g. <c>WWW-Authenticate: Bearer</c>), or a plain 401 when the host has no authentication.
/// </summary>
internal sealed class HttpChallenge : IResult
{
    /// <summary>The answer (it holds no state).</summary>
    public static HttpChallenge Instance { get; } = new();

    private HttpChallenge()
    {
    }

    /// <inheritdoc/>
    public Task ExecuteAsync(HttpContext httpContext) => ChallengeAsync(httpContext);

    /// <summary>Answers 401 on <paramref name="context"/>, through the host's challenge when it has one.</summary>
    public static async Task ChallengeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var schemes = context.RequestServices.GetService<IAuthenticationSchemeProvider>();
        if (schemes is not null && await schemes.GetDefaultChallengeSchemeAsync().ConfigureAwait(false) is not null)
        {
            await context.ChallengeAsync().ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
    }
}
