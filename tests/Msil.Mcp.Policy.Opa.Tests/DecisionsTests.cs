namespace Msil.Mcp.Policy.Opa.Tests;

/// <summary>Decision ids: the documented form, and no repeats across refills of the random buffer.</summary>
public sealed class DecisionsTests
{
    [Fact]
    public void NewId_ManyIds_AllOfTheDocumentedFormAndDistinct()
    {
        var ids = Enumerable.Range(0, 5_000).Select(_ => Decisions.NewId()).ToArray();

        Assert.All(ids, id => Assert.Matches("^dec_[0-9a-f]{16}$", id));
        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task NewId_OnSeveralThreads_Distinct()
    {
        var batches = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Enumerable.Range(0, 2_000).Select(_ => Decisions.NewId()).ToArray(), TestContext.Current.CancellationToken)));

        var all = batches.SelectMany(b => b).ToArray();
        Assert.Equal(all.Length, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void AllowAndDeny_CarryReasonEngineAndAFreshId()
    {
        var allow = Decisions.Allow("because", "embedded");
        var deny = Decisions.Deny("because not", "opa");

        Assert.True(allow.Allow);
        Assert.Equal("because", allow.Reason);
        Assert.Equal("embedded", allow.Engine);
        Assert.False(deny.Allow);
        Assert.Equal("opa", deny.Engine);
        Assert.NotEqual(allow.DecisionId, deny.DecisionId);
    }
}
