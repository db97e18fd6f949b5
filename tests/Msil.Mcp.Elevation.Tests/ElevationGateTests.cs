using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation.Tests.Support;

namespace Msil.Mcp.Elevation.Tests;

/// <summary>The gate with the in-memory store and a fake clock: expiry, clock skew, scope groups, single use, failures.</summary>
public sealed class ElevationGateTests
{
    private const string Carol = "carol@example.test";
    private const string Args42 = """{"id":"C042"}""";

    [Fact]
    public async Task CheckAsync_NoGrant_RequiredWithUrlFromTemplate()
    {
        using var f = new GateFixture(o => o.ElevationUrlTemplate = "https://pim.example/approve?u={user}&s={scope}&r={reference}&t={tool}");

        var check = await f.CheckAsync(correlationId: "corr 7");

        Assert.Equal(ElevationOutcome.Required, check.Outcome);
        Assert.Equal(TestTools.Privileged, check.Scope);
        Assert.Equal("https://pim.example/approve?u=carol%40example.test&s=delete_customer_data&r=corr%207&t=delete_customer_data", check.ElevationUrl!.AbsoluteUri);
        Assert.Equal("elev-corr 7", check.ElicitationId);
        Assert.Contains("no active elevation for scope 'delete_customer_data'", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_GrantOfTheSameUserNameFromAnotherIssuer_IsNotShared()
    {
        // Issue #17 item 8: grants were keyed by preferred_username, which another issuer may also have.
        using var f = new GateFixture();
        var carolA = GateFixture.Caller(Carol) with { Issuer = "https://idp-a.example" };
        var carolB = GateFixture.Caller(Carol) with { Issuer = "https://idp-b.example" };
        await f.Store.SaveAsync(new ElevationGrant
        {
            UserId = Carol,
            PrincipalKey = carolA.PrincipalKey,
            Scope = TestTools.Privileged,
            GrantedAt = f.Time.GetUtcNow(),
            ExpiresAt = f.Time.GetUtcNow().AddHours(1),
            ApprovalReference = "PIM-A",
        }, TestContext.Current.CancellationToken);

        var other = await f.Gate.CheckAsync(carolB, TestTools.Get(TestTools.Privileged), TestTools.Args(Args42), "corr-b", TestContext.Current.CancellationToken);
        var owner = await f.Gate.CheckAsync(carolA, TestTools.Get(TestTools.Privileged), TestTools.Args(Args42), "corr-a", TestContext.Current.CancellationToken);

        Assert.Equal(ElevationOutcome.Required, other.Outcome);
        Assert.Contains("principal=https%3A%2F%2Fidp-b.example%7C", other.ElevationUrl!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(ElevationOutcome.Granted, owner.Outcome);
    }

    [Fact]
    public async Task CheckAsync_RelativeTemplateWithoutRequest_ResolvedAgainstLocalhost()
    {
        using var f = new GateFixture();

        var check = await f.CheckAsync();

        Assert.Equal("http://localhost/dev/pim/approve?user=carol%40example.test&principal=urn%3Amsil-mcp%3Alocal%7Csub-carol%40example.test&scope=delete_customer_data&ref=corr-1", check.ElevationUrl!.AbsoluteUri);
    }

    [Fact]
    public async Task CheckAsync_TemplateWithArgumentsHash_FillsTheCallsHash()
    {
        using var f = new GateFixture(o => o.ElevationUrlTemplate = "https://pim.example/approve?args={arguments_hash}");

        var check = await f.CheckAsync(arguments: Args42);

        Assert.Equal("https://pim.example/approve?args=" + ElevationArguments.Hash(TestTools.Args(Args42)), check.ElevationUrl!.AbsoluteUri);
    }

    [Fact]
    public async Task CheckAsync_ActiveGrant_GrantedWithTheGrant()
    {
        using var f = new GateFixture();
        await f.SaveAsync(lifetime: TimeSpan.FromMinutes(10));

        var check = await f.CheckAsync();

        Assert.Equal(ElevationOutcome.Granted, check.Outcome);
        Assert.Equal("PIM-2026-000042", check.Grant!.ApprovalReference);
        Assert.Null(check.ElevationUrl);
    }

    [Fact]
    public async Task CheckAsync_ReusableGrant_GrantedForEveryCallUntilExpiry()
    {
        using var f = new GateFixture();
        await f.SaveAsync(lifetime: TimeSpan.FromMinutes(10));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ElevationOutcome.Granted, (await f.CheckAsync(arguments: $$"""{"id":"C{{i}}"}""")).Outcome);
        }

        Assert.Equal(0, f.EventCount(ElevationEvents.Use));
    }

    [Fact]
    public async Task CheckAsync_ExactlyAtExpiry_Required()
    {
        using var f = new GateFixture();
        await f.SaveAsync(lifetime: TimeSpan.FromMinutes(10));

        f.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        var before = await f.CheckAsync();
        f.Time.Advance(TimeSpan.FromTicks(1));
        var at = await f.CheckAsync();

        Assert.Equal(ElevationOutcome.Granted, before.Outcome);
        Assert.Equal(ElevationOutcome.Required, at.Outcome);
        Assert.NotNull(at.ElevationUrl);
    }

    [Fact]
    public async Task CheckAsync_GrantedAtAheadWithinSkew_Granted()
    {
        using var f = new GateFixture(o => o.MaxClockSkew = TimeSpan.FromSeconds(30));
        await f.SaveAsync(grantedAt: f.Time.GetUtcNow().AddSeconds(25));

        var check = await f.CheckAsync();

        Assert.Equal(ElevationOutcome.Granted, check.Outcome);
    }

    [Fact]
    public async Task CheckAsync_GrantedAtAheadBeyondSkew_RequiredUntilOurClockCatchesUp()
    {
        using var f = new GateFixture(o => o.MaxClockSkew = TimeSpan.FromSeconds(30));
        await f.SaveAsync(grantedAt: f.Time.GetUtcNow().AddMinutes(2), lifetime: TimeSpan.FromHours(1));

        var early = await f.CheckAsync();
        f.Time.Advance(TimeSpan.FromSeconds(95));
        var later = await f.CheckAsync();

        Assert.Equal(ElevationOutcome.Required, early.Outcome);
        Assert.Contains("is not valid before", early.Reason, StringComparison.Ordinal);
        Assert.Equal("not_yet_valid", Assert.Single(f.Audit.WithAction("elevation.refuse")).Outcome);
        Assert.Equal(ElevationOutcome.Granted, later.Outcome);
    }

    [Fact]
    public async Task CheckAsync_SkewNeverExtendsExpiry_RequiredAfterExpiresAt()
    {
        using var f = new GateFixture(o => o.MaxClockSkew = TimeSpan.FromMinutes(5));
        await f.SaveAsync(lifetime: TimeSpan.FromMinutes(1));

        f.Time.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal(ElevationOutcome.Required, (await f.CheckAsync()).Outcome);
    }

    [Fact]
    public async Task CheckAsync_GrantOfAnotherUser_Required()
    {
        using var f = new GateFixture();
        await f.SaveAsync(user: "dave@example.test");

        Assert.Equal(ElevationOutcome.Required, (await f.CheckAsync(user: Carol)).Outcome);
    }

    [Fact]
    public async Task CheckAsync_GrantForOtherTool_Required()
    {
        using var f = new GateFixture();
        await f.SaveAsync(scope: TestTools.OtherPrivileged);

        Assert.Equal(ElevationOutcome.Required, (await f.CheckAsync(TestTools.Privileged)).Outcome);
    }

    [Fact]
    public async Task CheckAsync_ScopeGroup_GrantOfTheGroupCoversEveryToolInIt()
    {
        using var f = new GateFixture(o => o.ScopeGroups["customer-data-admin"] = [TestTools.Privileged, TestTools.OtherPrivileged]);
        await f.SaveAsync(scope: "customer-data-admin");

        var first = await f.CheckAsync(TestTools.Privileged);
        var second = await f.CheckAsync(TestTools.OtherPrivileged);

        Assert.Equal(ElevationOutcome.Granted, first.Outcome);
        Assert.Equal("customer-data-admin", first.Scope);
        Assert.Equal(ElevationOutcome.Granted, second.Outcome);
    }

    [Fact]
    public async Task CheckAsync_ScopeGroupWithoutGrant_UrlNamesTheGroup()
    {
        using var f = new GateFixture(o => o.ScopeGroups["customer-data-admin"] = [TestTools.Privileged]);
        await f.SaveAsync(scope: TestTools.Privileged);

        var check = await f.CheckAsync(TestTools.Privileged);

        Assert.Equal(ElevationOutcome.Required, check.Outcome);
        Assert.Contains("scope=customer-data-admin", check.ElevationUrl!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_SingleUseUnbound_GrantedOnceThenRequired()
    {
        using var f = new GateFixture();
        await f.SaveAsync(singleUse: true);

        var first = await f.CheckAsync();
        var second = await f.CheckAsync();

        Assert.Equal(ElevationOutcome.Granted, first.Outcome);
        Assert.Equal(ElevationOutcome.Required, second.Outcome);
        Assert.Equal(1, f.EventCount(ElevationEvents.Use));
        var use = Assert.Single(f.Audit.WithAction("elevation.use"));
        Assert.Equal(Carol, use.UserId);
        Assert.Equal("PIM-2026-000042", use.ElevationReference);
        Assert.Equal("corr-1", use.CorrelationId);
    }

    [Fact]
    public async Task CheckAsync_SingleUseBoundToTheseArguments_ConsumedOnce()
    {
        using var f = new GateFixture();
        await f.SaveAsync(singleUse: true, argumentsHash: ElevationArguments.Hash(TestTools.Args(Args42)));

        var first = await f.CheckAsync(arguments: """{ "id" : "C042" }""");
        var second = await f.CheckAsync(arguments: Args42);

        Assert.Equal(ElevationOutcome.Granted, first.Outcome);
        Assert.Equal(ElevationOutcome.Required, second.Outcome);
        Assert.Null(await f.Store.GetAsync(GateFixture.Caller(Carol).PrincipalKey, TestTools.Privileged, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CheckAsync_SingleUseBoundToOtherArguments_RefusedWithReasonAndNotConsumed()
    {
        using var f = new GateFixture();
        var bound = ElevationArguments.Hash(TestTools.Args(Args42));
        await f.SaveAsync(singleUse: true, argumentsHash: bound);

        var wrong = await f.CheckAsync(arguments: """{"id":"C043"}""");
        var right = await f.CheckAsync(arguments: Args42);

        Assert.Equal(ElevationOutcome.Required, wrong.Outcome);
        Assert.Contains("is bound to other arguments", wrong.Reason, StringComparison.Ordinal);
        Assert.Contains("it was not used", wrong.Reason, StringComparison.Ordinal);
        Assert.NotNull(wrong.ElevationUrl);
        var refusal = Assert.Single(f.Audit.WithAction("elevation.refuse"));
        Assert.Equal("arguments_mismatch", refusal.Outcome);
        Assert.Equal(ElevationArguments.Hash(TestTools.Args("""{"id":"C043"}""")), refusal.ArgumentsHash);
        Assert.Equal(ElevationOutcome.Granted, right.Outcome);
        Assert.Equal(1, f.EventCount(ElevationEvents.Refused));
    }

    [Fact]
    public async Task CheckAsync_ReusableBoundToArguments_GrantedOnlyForThem()
    {
        using var f = new GateFixture();
        await f.SaveAsync(argumentsHash: ElevationArguments.Hash(TestTools.Args(Args42)));

        Assert.Equal(ElevationOutcome.Granted, (await f.CheckAsync(arguments: Args42)).Outcome);
        Assert.Equal(ElevationOutcome.Granted, (await f.CheckAsync(arguments: Args42)).Outcome);
        Assert.Equal(ElevationOutcome.Required, (await f.CheckAsync(arguments: """{"id":"C001"}""")).Outcome);
    }

    [Fact]
    public async Task CheckAsync_SingleUseRacedByTwentyCalls_ExactlyOneGranted()
    {
        using var f = new GateFixture();
        await f.SaveAsync(singleUse: true);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var calls = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await f.CheckAsync(correlationId: "c" + i);
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(calls);

        Assert.Equal(1, results.Count(r => r.Outcome == ElevationOutcome.Granted));
        Assert.Equal(19, results.Count(r => r.Outcome == ElevationOutcome.Required));
    }

    [Fact]
    public async Task CheckAsync_StoreThrows_UnavailableAuditedAndCounted()
    {
        using var f = new GateFixture(services: s => s.AddSingleton<IElevationGrantStore>(new ThrowingStore()));

        var check = await f.CheckAsync();

        Assert.Equal(ElevationOutcome.Unavailable, check.Outcome);
        Assert.Equal("the elevation grant store cannot be reached", check.Reason);
        Assert.Null(check.Grant);
        var refusal = Assert.Single(f.Audit.WithAction("elevation.refuse"));
        Assert.Equal("store_unavailable", refusal.Outcome);
        Assert.Equal(Carol, refusal.UserId);
        Assert.Equal(TestTools.Privileged, refusal.ToolName);
        Assert.Equal(1, f.EventCount(ElevationEvents.Refused));
    }

    [Fact]
    public async Task CheckAsync_AnonymousCaller_UnavailableEvenWithGrantForAnonymous()
    {
        using var f = new GateFixture();
        await f.SaveAsync(user: CallerIdentity.Anonymous.UserId);

        var check = await f.Gate.CheckAsync(CallerIdentity.Anonymous, TestTools.Get(TestTools.Privileged), TestTools.Args("{}"), "c", TestContext.Current.CancellationToken);

        Assert.Equal(ElevationOutcome.Unavailable, check.Outcome);
        Assert.Contains("anonymous", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_ThirdPartyStore_SingleUseConsumedOnceAndMismatchPutBack()
    {
        var store = new PlainStore();
        using var f = new GateFixture(services: s => s.AddSingleton<IElevationGrantStore>(store));
        var bound = ElevationArguments.Hash(TestTools.Args(Args42));
        await f.SaveAsync(singleUse: true, argumentsHash: bound);

        var wrong = await f.CheckAsync(arguments: """{"id":"C1"}""");
        var right = await f.CheckAsync(arguments: Args42);
        var again = await f.CheckAsync(arguments: Args42);

        Assert.Equal(ElevationOutcome.Required, wrong.Outcome);
        Assert.Equal(ElevationOutcome.Granted, right.Outcome);
        Assert.Equal(ElevationOutcome.Required, again.Outcome);
        Assert.Equal(1, store.Consumes);
    }

    private sealed class ThrowingStore : IElevationGrantStore
    {
        public ValueTask<ElevationGrant?> GetAsync(string principalKey, string scope, CancellationToken cancellationToken) => throw new IOException("connection refused");

        public ValueTask SaveAsync(ElevationGrant grant, CancellationToken cancellationToken) => throw new IOException("connection refused");

        public ValueTask<bool> RevokeAsync(string principalKey, string scope, CancellationToken cancellationToken) => throw new IOException("connection refused");

        public ValueTask<ElevationGrant?> ConsumeAsync(string principalKey, string scope, CancellationToken cancellationToken) => throw new IOException("connection refused");
    }

    /// <summary>A store with only the Abstractions contract (no conditional consume).</summary>
    private sealed class PlainStore : IElevationGrantStore
    {
        private readonly Dictionary<(string, string), ElevationGrant> _grants = [];

        public int Consumes { get; private set; }

        public ValueTask<ElevationGrant?> GetAsync(string principalKey, string scope, CancellationToken cancellationToken)
        {
            lock (_grants)
            {
                return new(_grants.GetValueOrDefault((principalKey, scope)));
            }
        }

        public ValueTask SaveAsync(ElevationGrant grant, CancellationToken cancellationToken)
        {
            lock (_grants)
            {
                _grants[(grant.PrincipalKey, grant.Scope)] = grant;
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask<bool> RevokeAsync(string principalKey, string scope, CancellationToken cancellationToken)
        {
            lock (_grants)
            {
                return new(_grants.Remove((principalKey, scope)));
            }
        }

        public ValueTask<ElevationGrant?> ConsumeAsync(string principalKey, string scope, CancellationToken cancellationToken)
        {
            lock (_grants)
            {
                Consumes++;
                return new(_grants.Remove((principalKey, scope), out var grant) ? grant : null);
            }
        }
    }
}
