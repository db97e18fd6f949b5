using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Msil.Mcp.SampleBackend.Http;

/// <summary>
/// Answers a rejected request with 401, a <c>WWW-Authenticate</c> header as the JWT bearer handler would write it,
/// and problem details; and records the request.
/// </summary>
internal static class ChallengeHandler
{
    public static async Task OnChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;

        var challenge = string.IsNullOrEmpty(context.Error)
            ? JwtBearerDefaults.AuthenticationScheme
            : string.IsNullOrEmpty(context.ErrorDescription)
                ? $"{JwtBearerDefaults.AuthenticationScheme} error=\"{context.Error}\""
                : $"{JwtBearerDefaults.AuthenticationScheme} error=\"{context.Error}\", error_description=\"{context.ErrorDescription}\"";
        http.Response.Headers.Append(HeaderNames.WWWAuthenticate, challenge);

        http.RequestServices.GetRequiredService<SampleBackendRequestRecorder>()
            .Record(http, StatusCodes.Status401Unauthorized, principal: null);

        var audience = context.Options.TokenValidationParameters.ValidAudience;
        var detail = context.AuthenticateFailure is null
            ? $"A bearer token issued for audience '{audience}' is required."
            : $"The bearer token was rejected: {context.ErrorDescription ?? "invalid token"}. A token issued for audience '{audience}' is required.";
        await ProblemResponses.WriteAsync(http, StatusCodes.Status401Unauthorized, detail);
    }
}
