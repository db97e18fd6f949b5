using System.Security.Claims;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Http;

namespace Msil.Mcp.Tests.Http;

public sealed class RoleEndpointFilterTests
{
    private static readonly RoleRequirement Fallback = new("tools.write", "admin");

    [Fact]
    public async Task InvokeAsync_AdminCaller_RunsTheHandlerWithTheCaller()
    {
        var refusals = new List<RoleRefusal>();
        var filter = Filter(refusals);
        var context = Context(Signed("alice", "admin"));

        var result = await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(context), c => ValueTask.FromResult<object?>(RoleEndpointFilter.Caller(c.HttpContext).UserId));

        Assert.Equal("alice", result);
        Assert.Empty(refusals);
    }

    [Fact]
    public async Task InvokeAsync_NotSignedIn_Audits401AndChallenges()
    {
        var refusals = new List<RoleRefusal>();
        var filter = Filter(refusals);
        var context = Context(new ClaimsPrincipal(new ClaimsIdentity()));
        context.Request.Method = "POST";
        context.Request.Path = "/api/tools/import";

        var result = await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(context), _ => throw new InvalidOperationException("the handler must not run"));

        var refusal = Assert.Single(refusals);
        Assert.Equal(401, refusal.Status);
        Assert.Equal("tools.write", refusal.Action);
        Assert.Equal("refused (401, not signed in): POST /api/tools/import", refusal.Detail);
        var answer = Assert.IsAssignableFrom<IResult>(result);
        await answer.ExecuteAsync(context);
        Assert.Equal(401, context.Response.StatusCode);
    }

    [Fact]
    public async Task InvokeAsync_SignedInWithoutTheRole_Audits403AndAnswersAProblemNamingRoleAndKey()
    {
        var refusals = new List<RoleRefusal>();
        var filter = Filter(refusals);
        var context = Context(Signed("bob", "reader"));
        context.Request.Method = "GET";
        context.Request.Path = "/api/tools";
        context.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new RoleRequirement("tools.read", "admin+operator")), "list"));

        var result = await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(context), _ => throw new InvalidOperationException("the handler must not run"));

        var refusal = Assert.Single(refusals);
        Assert.Equal(403, refusal.Status);
        Assert.Equal("tools.read", refusal.Action);
        Assert.Equal("bob", refusal.Caller.UserId);
        Assert.Equal("refused (403, not in role 'admin' or 'operator'): GET /api/tools", refusal.Detail);
        var body = await ExecuteAsync(Assert.IsAssignableFrom<IResult>(result), context);
        Assert.Equal(403, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal("about:blank", body.GetProperty("type").GetString());
        Assert.Equal("Forbidden", body.GetProperty("title").GetString());
        Assert.Equal(403, body.GetProperty("status").GetInt32());
        Assert.Equal("Only callers in the role 'admin' or 'operator' (Msil:Mcp:AdminRole or Msil:Mcp:OperatorRole) may use GET /api/tools; ask an administrator for the role.", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task InvokeAsync_OperatorOnAnOperatorEndpoint_Passes()
    {
        var refusals = new List<RoleRefusal>();
        var filter = Filter(refusals);
        var context = Context(Signed("olga", "operator"));
        context.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new RoleRequirement("tools.read", "admin+operator")), "list"));

        var result = await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(context), _ => ValueTask.FromResult<object?>("ran"));

        Assert.Equal("ran", result);
        Assert.Empty(refusals);
    }

    [Fact]
    public async Task InvokeAsync_OperatorOnTheAdminFallback_IsRefused()
    {
        var refusals = new List<RoleRefusal>();
        var filter = Filter(refusals);
        var context = Context(Signed("olga", "operator"));

        var result = await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(context), _ => ValueTask.FromResult<object?>("ran"));

        Assert.NotEqual("ran", result);
        Assert.Equal(403, Assert.Single(refusals).Status);
    }

    [Fact]
    public async Task InvokeAsync_CustomDetailAndType_AreAnswered()
    {
        var filter = new RoleEndpointFilter(Fallback, Rule, (_, _) => ValueTask.CompletedTask, (_, r) => $"Only {r.Rule.Quoted} may.", "https://example.test/problems/x");
        var context = Context(Signed("bob"));

        var body = await ExecuteAsync((IResult)(await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(context), _ => ValueTask.FromResult<object?>(null)))!, context);

        Assert.Equal("https://example.test/problems/x", body.GetProperty("type").GetString());
        Assert.Equal("Only 'admin' may.", body.GetProperty("detail").GetString());
    }

    [Fact]
    public void Caller_OutsideTheFilter_IsAnonymous()
        => Assert.False(RoleEndpointFilter.Caller(new DefaultHttpContext()).IsAuthenticated);

    private static RoleEndpointFilter Filter(List<RoleRefusal> refusals)
        => new(Fallback, Rule, (_, r) =>
        {
            refusals.Add(r);
            return ValueTask.CompletedTask;
        });

    private static RoleRule Rule(HttpContext context, string set) => set == "admin+operator"
        ? new RoleRule(["admin", "operator"], "Msil:Mcp:AdminRole or Msil:Mcp:OperatorRole")
        : new RoleRule(["admin"], "Msil:Mcp:AdminRole");

    private static ClaimsPrincipal Signed(string name, params string[] roles)
    {
        var identity = new ClaimsIdentity([new Claim("sub", name), .. roles.Select(r => new Claim("roles", r))], "test", "sub", "roles");
        return new ClaimsPrincipal(identity);
    }

    private static DefaultHttpContext Context(ClaimsPrincipal user)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<ICallerIdentityResolver, FakeResolver>()
            .BuildServiceProvider();
        return new DefaultHttpContext { User = user, RequestServices = services, Response = { Body = new MemoryStream() } };
    }

    internal static async Task<JsonElement> ExecuteAsync(IResult result, HttpContext context)
    {
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        using var document = await JsonDocument.ParseAsync(context.Response.Body, cancellationToken: TestContext.Current.CancellationToken);
        return document.RootElement.Clone();
    }

    private sealed class FakeResolver : ICallerIdentityResolver
    {
        public CallerIdentity Resolve(ClaimsPrincipal? principal)
        {
            if (principal?.Identity?.IsAuthenticated != true)
            {
                return CallerIdentity.Anonymous;
            }

            var sub = principal.FindFirst("sub")!.Value;
            return new CallerIdentity { UserId = sub, Subject = sub, Roles = [.. principal.FindAll("roles").Select(c => c.Value)] };
        }
    }
}
