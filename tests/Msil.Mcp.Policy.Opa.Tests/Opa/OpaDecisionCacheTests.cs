using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa.Opa;
using Msil.Mcp.Policy.Opa.Tests.Infrastructure;

namespace Msil.Mcp.Policy.Opa.Tests.Opa;

/// <summary>The OPA decision cache: what may be cached, expiry, and the bound.</summary>
public sealed class OpaDecisionCacheTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void IsCacheable_ReadToolWithCacheOn_True()
    {
        Assert.True(OpaDecisionCache.IsCacheable(Requests.Alice(), new OpaPolicyOptions()));
    }

    [Fact]
    public void IsCacheable_PrivilegedUnauthenticatedOrCacheOff_False()
    {
        var options = new OpaPolicyOptions();

        Assert.False(OpaDecisionCache.IsCacheable(Requests.Alice("wipe", RiskLevel.Privileged), options));
        Assert.False(OpaDecisionCache.IsCacheable(Requests.List(CallerIdentity.Anonymous, Requests.Tool("t", RiskLevel.Read)), options));
        Assert.False(OpaDecisionCache.IsCacheable(Requests.Alice(), new OpaPolicyOptions { DecisionCacheDuration = TimeSpan.Zero }));
    }

    [Fact]
    public void IsCacheable_ToolWithRequiredScopes_False()
    {
        var tool = Requests.Tool("create_order", RiskLevel.Write) with { RequiredScopes = ["orders.write"] };

        Assert.False(OpaDecisionCache.IsCacheable(Requests.Execute(Requests.User("bob", ["operator"]), tool), new OpaPolicyOptions()));
    }

    [Fact]
    public void IsCacheable_ArgumentsSent_CallsNotCachedListsCached()
    {
        var options = new OpaPolicyOptions { IncludeArguments = true };

        Assert.False(OpaDecisionCache.IsCacheable(Requests.Alice(), options));
        Assert.True(OpaDecisionCache.IsCacheable(Requests.Alice(action: PolicyAction.List), options));
    }

    [Fact]
    public void TryGet_BeforeAndAfterExpiry_HitsThenMisses()
    {
        var cache = new OpaDecisionCache(_time);
        var request = Requests.Alice();
        cache.Set(request, allow: true, "role 'viewer' may use read tools", TimeSpan.FromSeconds(5));

        _time.Advance(TimeSpan.FromSeconds(4.9));
        var hit = cache.TryGet(request, out var allow, out var reason);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        var expired = cache.TryGet(request, out _, out _);

        Assert.True(hit);
        Assert.True(allow);
        Assert.Equal("role 'viewer' may use read tools", reason);
        Assert.False(expired);
    }

    [Fact]
    public void TryGet_OtherGroupsToolVersionOrAction_Misses()
    {
        var cache = new OpaDecisionCache(_time);
        var request = Requests.Alice();
        cache.Set(request, allow: true, "ok", TimeSpan.FromSeconds(5));

        Assert.False(cache.TryGet(request with { User = request.User with { Groups = ["contractors"] } }, out _, out _));
        Assert.False(cache.TryGet(request with { Tool = request.Tool with { Version = "9.9.9" } }, out _, out _));
        Assert.False(cache.TryGet(request with { Action = PolicyAction.List }, out _, out _));
        Assert.False(cache.TryGet(request with { User = request.User with { UserId = "mallory" } }, out _, out _));
        Assert.True(cache.TryGet(request with { User = request.User with { Subject = "other-subject" } }, out _, out _));
    }

    [Fact]
    public void Set_PastTheBound_DropsEntriesSoTheCacheStaysBounded()
    {
        var cache = new OpaDecisionCache(_time);
        for (var i = 0; i <= OpaDecisionCache.MaxEntries + 10; i++)
        {
            cache.Set(Requests.Alice("tool_" + i), allow: true, "ok", TimeSpan.FromSeconds(5));
        }

        Assert.InRange(cache.Count, 1, OpaDecisionCache.MaxEntries);
    }
}
