using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation;

/// <summary>
/// Seed §4.2: a privileged call needs an active grant for (user, scope), the user being the token's principal
/// (<see cref="CallerIdentity.PrincipalKey"/>: issuer and subject, so a user of another issuer with the same name never
/// shares a grant) and the
/// scope the tool's name or its scope group. A grant is active when <c>expires_at &gt; now</c>, its scope matches and its
/// <c>granted_at</c> is not later than now plus the allowed clock skew. A grant bound to arguments covers only calls
/// with those arguments; a single-use grant is consumed atomically. Without a grant the caller is sent to the elevation
/// URL; when the store cannot be reached the call is refused, never let through.
/// </summary>
internal sealed class ElevationGate(
    IElevationGrantStore store,
    IOptionsMonitor<ElevationOptions> options,
    TimeProvider time,
    IHttpContextAccessor http,
    ElevationTelemetry telemetry,
    IElevationRequestStore requests) : IElevationGate
{
    /// <summary>The refusal reason when the store fails; the core shows it to the client.</summary>
    public const string StoreUnavailableReason = "the elevation grant store cannot be reached";

    private ScopeMap? _scopeMap;

    public async ValueTask<ElevationCheck> CheckAsync(CallerIdentity caller, ToolDefinition tool, IReadOnlyDictionary<string, JsonElement> arguments, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(tool);
        var o = options.CurrentValue;
        var scope = ScopeOf(tool.Name, o);
        using var activity = ElevationTelemetry.Source.StartActivity("check elevation");
        activity?.SetTag("mcp.tool.name", tool.Name);
        activity?.SetTag("msil.elevation.scope", scope);
        var check = await DecideAsync(caller, tool, scope, arguments, correlationId, o, cancellationToken).ConfigureAwait(false);
        if (check.Outcome == ElevationOutcome.Required && caller.IsAuthenticated)
        {
            await RecordRequestAsync(caller, tool.Name, check, o, correlationId, cancellationToken).ConfigureAwait(false);
        }

        activity?.SetTag(ElevationTelemetry.OutcomeTag, check.Outcome switch
        {
            ElevationOutcome.Granted => "granted",
            ElevationOutcome.Required => "required",
            _ => "unavailable",
        });
        return check;
    }

    /// <summary>Lists the refused call as a pending request (<c>GET /api/pim/requests</c>); a store that fails costs the call nothing.</summary>
    private async ValueTask RecordRequestAsync(CallerIdentity caller, string tool, ElevationCheck check, ElevationOptions o, string correlationId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var request = new ElevationRequest("req_" + Guid.NewGuid().ToString("N")[..16], caller.PrincipalKey, caller.UserId, tool, check.Scope, now,
            now + o.PendingRequestLifetime, check.ElevationUrl?.ToString() ?? string.Empty);
        try
        {
            await requests.AddAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RequestStoreUnavailable(telemetry.Logger, check.Scope, ex.GetType().Name);
        }
    }

    /// <summary>Returns the scope of a tool: the scope group that lists it, else the tool's own name.</summary>
    internal string ScopeOf(string toolName, ElevationOptions current)
    {
        var map = Volatile.Read(ref _scopeMap);
        if (map is null || !ReferenceEquals(map.Options, current))
        {
            map = new ScopeMap(current);
            Volatile.Write(ref _scopeMap, map);
        }

        return map.Scopes.TryGetValue(toolName, out var scope) ? scope : toolName;
    }

    /// <summary>Fills the elevation URL template (values URL-escaped); a relative result is resolved against the request's origin.</summary>
    internal Uri BuildUrl(string userId, string principalKey, string scope, string reference, string? tool = null, Func<string>? argumentsHash = null)
    {
        var template = options.CurrentValue.ElevationUrlTemplate;
        var text = template
            .Replace("{user}", Uri.EscapeDataString(userId), StringComparison.Ordinal)
            .Replace("{principal}", Uri.EscapeDataString(principalKey), StringComparison.Ordinal)
            .Replace("{scope}", Uri.EscapeDataString(scope), StringComparison.Ordinal)
            .Replace("{reference}", Uri.EscapeDataString(reference), StringComparison.Ordinal)
            .Replace("{tool}", Uri.EscapeDataString(tool ?? scope), StringComparison.Ordinal);
        if (text.Contains("{arguments_hash}", StringComparison.Ordinal))
        {
            text = text.Replace("{arguments_hash}", argumentsHash?.Invoke() ?? string.Empty, StringComparison.Ordinal);
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            return absolute;
        }

        var request = http.HttpContext?.Request;
        var origin = request is null || !request.Host.HasValue ? "http://localhost" : $"{request.Scheme}://{request.Host}";
        return new Uri(new Uri(origin), text);
    }

    private async ValueTask<ElevationCheck> DecideAsync(CallerIdentity caller, ToolDefinition tool, string scope, IReadOnlyDictionary<string, JsonElement> arguments, string correlationId, ElevationOptions o, CancellationToken cancellationToken)
    {
        var user = caller.UserId;
        var principal = caller.PrincipalKey;
        string? hash = null;
        if (!caller.IsAuthenticated)
        {
            const string anonymous = "an anonymous caller cannot be elevated; sign in first";
            await RefuseAsync(ElevationAuditOutcomes.Anonymous, anonymous, null, null).ConfigureAwait(false);
            return new ElevationCheck(ElevationOutcome.Unavailable, anonymous, scope);
        }

        string Hash() => hash ??= ElevationArguments.Hash(arguments);
        try
        {
            var grant = await store.GetAsync(principal, scope, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            if (grant is null || !grant.IsActive(scope, now))
            {
                return Required(grant is null || !string.Equals(grant.Scope, scope, StringComparison.Ordinal)
                    ? $"no active elevation for scope '{scope}'"
                    : $"elevation {grant.ApprovalReference} for scope '{scope}' expired at {grant.ExpiresAt:O}");
            }

            if (grant.GrantedAt > now + o.MaxClockSkew)
            {
                var reason = $"elevation {grant.ApprovalReference} is not valid before {grant.GrantedAt:O} (more than {o.MaxClockSkew} ahead of this server's clock)";
                await RefuseAsync(ElevationAuditOutcomes.NotYetValid, reason, grant, null).ConfigureAwait(false);
                return Required(reason);
            }

            if (grant.ArgumentsHash is null && !grant.SingleUse)
            {
                return Granted(grant, $"elevation {grant.ApprovalReference} active until {grant.ExpiresAt:O}");
            }

            if (grant.ArgumentsHash is not null && !string.Equals(grant.ArgumentsHash, Hash(), StringComparison.OrdinalIgnoreCase))
            {
                return await MismatchAsync(grant).ConfigureAwait(false);
            }

            if (!grant.SingleUse)
            {
                return Granted(grant, $"elevation {grant.ApprovalReference} for these arguments active until {grant.ExpiresAt:O}");
            }

            var consumed = store is IArgumentBoundGrantStore bound
                ? await bound.TryConsumeAsync(principal, scope, Hash(), cancellationToken).ConfigureAwait(false)
                : await ConsumeThenCompareAsync(principal, scope, Hash(), cancellationToken).ConfigureAwait(false);
            now = time.GetUtcNow();
            switch (consumed.Status)
            {
                case ConsumeStatus.Consumed when consumed.Grant!.IsActive(scope, now):
                    Log.GrantUsed(telemetry.Logger, consumed.Grant.ApprovalReference, scope);
                    await telemetry.RecordAsync(Event(ElevationEvents.Use, ElevationAuditActions.Use, AuditOutcomes.Success, consumed.Grant, null)).ConfigureAwait(false);
                    return Granted(consumed.Grant, $"single-use elevation {consumed.Grant.ApprovalReference} used");
                case ConsumeStatus.Reusable when consumed.Grant!.IsActive(scope, now)
                    && (consumed.Grant.ArgumentsHash is null || string.Equals(consumed.Grant.ArgumentsHash, Hash(), StringComparison.OrdinalIgnoreCase)):
                    return Granted(consumed.Grant, $"elevation {consumed.Grant.ApprovalReference} active until {consumed.Grant.ExpiresAt:O}");
                case ConsumeStatus.ArgumentsMismatch or ConsumeStatus.Reusable:
                    return await MismatchAsync(consumed.Grant!).ConfigureAwait(false);
                default:
                    var used = $"single-use elevation {grant.ApprovalReference} for scope '{scope}' has already been used";
                    await RefuseAsync(ElevationAuditOutcomes.AlreadyUsed, used, grant, hash).ConfigureAwait(false);
                    return Required(used);
            }
        }
        catch (JsonException ex)
        {
            // The core validated the arguments before this stage, so this is not expected; refuse rather than guess.
            var reason = "the call's arguments cannot be hashed for its single-use elevation: " + ex.Message;
            await RefuseAsync(ElevationAuditOutcomes.ArgumentsMismatch, reason, null, null).ConfigureAwait(false);
            return new ElevationCheck(ElevationOutcome.Unavailable, reason, scope);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.StoreUnavailable(telemetry.Logger, "check", scope, ex.GetType().Name);
            await RefuseAsync(ElevationAuditOutcomes.StoreUnavailable, StoreUnavailableReason + " (" + ex.GetType().Name + ")", null, hash).ConfigureAwait(false);
            return new ElevationCheck(ElevationOutcome.Unavailable, StoreUnavailableReason, scope);
        }

        ElevationCheck Granted(ElevationGrant grant, string reason) => new(ElevationOutcome.Granted, reason, scope, grant);

        ElevationCheck Required(string reason) => new(ElevationOutcome.Required, reason, scope,
            ElevationUrl: BuildUrl(user, principal, scope, correlationId, tool.Name, Hash), ElicitationId: "elev-" + correlationId);

        async ValueTask<ElevationCheck> MismatchAsync(ElevationGrant grant)
        {
            var reason = $"elevation {grant.ApprovalReference} for scope '{scope}' is bound to other arguments (arguments_hash {grant.ArgumentsHash}, this call {Hash()}); it was not used";
            Log.GrantRefused(telemetry.Logger, grant.ApprovalReference, scope, "bound to other arguments");
            await RefuseAsync(ElevationAuditOutcomes.ArgumentsMismatch, reason, grant, Hash()).ConfigureAwait(false);
            return Required(reason);
        }

        ValueTask RefuseAsync(string outcome, string reason, ElevationGrant? grant, string? argumentsHash)
            => telemetry.RecordAsync(Event(ElevationEvents.Refused, ElevationAuditActions.Refuse, outcome, grant, argumentsHash) with { Detail = reason });

        ElevationEvent Event(string name, string action, string outcome, ElevationGrant? grant, string? argumentsHash) => new(name, action, outcome, user, scope)
        {
            Caller = caller,
            Tool = tool.Name,
            Grant = grant,
            CorrelationId = correlationId,
            ArgumentsHash = argumentsHash ?? hash,
        };
    }

    /// <summary>For stores without <see cref="IArgumentBoundGrantStore"/>: consume, then put back a grant that did not fit.</summary>
    private async ValueTask<ConsumeResult> ConsumeThenCompareAsync(string principalKey, string scope, string argumentsHash, CancellationToken cancellationToken)
    {
        var taken = await store.ConsumeAsync(principalKey, scope, cancellationToken).ConfigureAwait(false);
        if (taken is null)
        {
            return new ConsumeResult(ConsumeStatus.NotFound, null);
        }

        var fits = taken.ArgumentsHash is null || string.Equals(taken.ArgumentsHash, argumentsHash, StringComparison.OrdinalIgnoreCase);
        if (taken.SingleUse && fits)
        {
            return new ConsumeResult(ConsumeStatus.Consumed, taken);
        }

        // Replaced meanwhile by a grant this call may not use up: restore it.
        await store.SaveAsync(taken, cancellationToken).ConfigureAwait(false);
        return new ConsumeResult(taken.SingleUse ? ConsumeStatus.ArgumentsMismatch : ConsumeStatus.Reusable, taken);
    }

    /// <summary>Tool name → scope group, built once per options instance.</summary>
    private sealed class ScopeMap
    {
        public ScopeMap(ElevationOptions options)
        {
            Options = options;
            var scopes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (scope, tools) in options.ScopeGroups)
            {
                foreach (var tool in tools)
                {
                    scopes.TryAdd(tool, scope);
                }
            }

            Scopes = scopes.ToFrozenDictionary(StringComparer.Ordinal);
        }

        public ElevationOptions Options { get; }

        public FrozenDictionary<string, string> Scopes { get; }
    }
}
