using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Admin;

/// <summary>
/// The core's admin REST API for the console: <c>GET /api/mcp/me</c> (any signed-in caller: who they are and what the
/// console may show them). Errors are problem details; refused attempts are audited.
/// </summary>
internal sealed partial class CoreAdminEndpoints(AdminAccess access) : IMsilMcpEndpointContributor
{
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/mcp/me", (RequestDelegate)MeAsync);
        MapMore(endpoints);
    }

    partial void MapMore(IEndpointRouteBuilder endpoints);

    private async Task MeAsync(HttpContext context)
    {
        var caller = access.Resolve(context);
        if (context.User.Identity?.IsAuthenticated != true || !caller.IsAuthenticated)
        {
            await AdminHttp.ChallengeAsync(context).ConfigureAwait(false);
            return;
        }

        var permissions = AdminPermissions.For(caller, access.Options);
        await AdminHttp.JsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("subject", caller.Subject);
            w.WriteString("issuer", caller.Issuer);
            w.WriteString("name", caller.UserId);
            AdminHttp.WriteStrings(w, "roles", caller.Roles);
            AdminHttp.WriteStrings(w, "groups", caller.Groups);
            AdminHttp.WriteStrings(w, "permissions", permissions);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
