using Msil.Mcp.Abstractions;
using Msil.Mcp.Admin;

namespace Msil.Mcp.Tests.Admin;

public sealed class CallActivityTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 31, 10, 0, 5, TimeSpan.Zero);

    private static CallerIdentity Caller(string name, params string[] roles) => new() { UserId = name, Subject = "sub-" + name, Issuer = "iss", Roles = roles };

    [Fact]
    public void Drain_CallsOfTwoCallers_OneRecordEachThenForgottenWhenIdle()
    {
        var activity = new CallActivity();
        activity.Record(Caller("alice", "viewer"), AuditOutcomes.Success, T0);
        activity.Record(Caller("alice", "writer"), AuditOutcomes.Denied, T0.AddSeconds(3));
        activity.Record(Caller("bob"), AuditOutcomes.Success, T0.AddSeconds(1));
        activity.Record(CallerIdentity.Anonymous, AuditOutcomes.Denied, T0);

        var batch = activity.Drain().OrderBy(r => r.Name, StringComparer.Ordinal).ToList();

        Assert.Equal(["alice", "bob"], batch.Select(r => r.Name));
        Assert.Equal(2, batch[0].Calls);
        Assert.Equal(1, batch[0].Denials);
        Assert.Equal(T0, batch[0].FirstSeen);
        Assert.Equal(T0.AddSeconds(3), batch[0].LastSeen);
        Assert.Equal(["writer"], batch[0].Roles);
        Assert.Equal("iss|sub-alice", batch[0].PrincipalKey);
        Assert.Empty(activity.Drain());
        Assert.Equal(0, activity.PendingCount);
    }

    [Fact]
    public void Restore_FailedFlush_CarriedByTheNextDrain()
    {
        var activity = new CallActivity();
        activity.Record(Caller("alice"), AuditOutcomes.Success, T0);
        var failed = activity.Drain();
        activity.Record(Caller("alice"), AuditOutcomes.Denied, T0.AddSeconds(20));

        foreach (var r in failed)
        {
            activity.Restore(r);
        }

        var next = Assert.Single(activity.Drain());
        Assert.Equal(2, next.Calls);
        Assert.Equal(1, next.Denials);
        Assert.Equal(T0, next.FirstSeen);
        Assert.Equal(T0.AddSeconds(20), next.LastSeen);
    }

    [Fact]
    public void Rates_CallsOverSixMinutes_LastFiveMinutesInTenSecondBuckets()
    {
        var activity = new CallActivity();
        activity.Record(Caller("a"), AuditOutcomes.Success, T0.AddMinutes(-6));
        activity.Record(Caller("a"), AuditOutcomes.Success, T0.AddSeconds(-12));
        activity.Record(Caller("a"), AuditOutcomes.Denied, T0);
        activity.Record(Caller("a"), AuditOutcomes.ToolError, T0.AddSeconds(1));

        var rates = activity.Rates(T0.AddSeconds(2));

        Assert.Equal(30, rates.Count);
        Assert.Equal(new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero), rates[^1].At);
        Assert.Equal(new RateBucket(rates[^1].At, 2, 1, 1), rates[^1]);
        Assert.Equal(1, rates[^2].Calls);
        Assert.Equal(3, rates.Sum(b => b.Calls));
    }
}
