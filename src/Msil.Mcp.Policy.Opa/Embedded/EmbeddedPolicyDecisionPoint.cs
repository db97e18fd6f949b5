using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Policy.Opa.Embedded;

/// <summary>
/// Decides in process from <c>data.json</c>, with the same rules, order and reasons as the shipped Rego policies
/// (<c>policies/cases.json</c> holds both to it): an unauthenticated caller is denied; a tool's deny rule (role, then
/// group) beats everything; a call (<c>execute</c>) whose token lacks a scope of <see cref="ToolDefinition.RequiredScopes"/>
/// is denied with a reason that starts with <c>insufficient_scope</c> and names the missing scopes; a tool's allow rule
/// (role, then group) allows; otherwise one of the caller's roles must allow the tool's risk level. <c>list</c> does not
/// check scopes, so a client sees the tool and learns from the call which scopes to ask for. Where several roles or groups match, the first in ordinal order names the reason.
/// Otherwise <c>list</c> is decided exactly like <c>execute</c>, so a user sees only what they may call. The file named by
/// <see cref="OpaPolicyOptions.DataFile"/> is checked for changes at most once a second and reloaded; a file that cannot
/// be read or parsed leaves the last good data in force.
/// </summary>
internal sealed class EmbeddedPolicyDecisionPoint : IPolicyDecisionPoint
{
    public const string EngineName = "embedded";
    public const string AuthenticationRequired = "authentication required";

    /// <summary>The start of the reason of a deny for missing scopes (the OAuth 2.0 error code of RFC 6750).</summary>
    public const string InsufficientScope = "insufficient_scope";

    internal static readonly TimeSpan ReloadCheckInterval = TimeSpan.FromSeconds(1);

    private static readonly string[] NoRoleReasons =
    [
        NoRoleReason(RiskLevel.Read),
        NoRoleReason(RiskLevel.Write),
        NoRoleReason(RiskLevel.Privileged),
    ];

    private readonly IOptionsMonitor<OpaPolicyOptions> _options;
    private readonly TimeProvider _time;
    private readonly PolicyTelemetry _telemetry;
    private readonly ILogger<EmbeddedPolicyDecisionPoint> _logger;
    private readonly Lock _reloadGate = new();
    private volatile PolicyData _data;
    private string? _loadedPath;
    private FileStamp _fileStamp;
    private long _nextCheck;

    public EmbeddedPolicyDecisionPoint(IOptionsMonitor<OpaPolicyOptions> options, TimeProvider time, PolicyTelemetry telemetry, ILogger<EmbeddedPolicyDecisionPoint> logger)
    {
        _options = options;
        _time = time;
        _telemetry = telemetry;
        _logger = logger;
        var path = options.CurrentValue.DataFile;
        _data = Load(path, out _fileStamp);
        _loadedPath = path;
        _nextCheck = time.GetTimestamp() + IntervalTicks(time);
        Log.PolicyDataLoaded(_logger, _data.Origin, _data.Roles.Count, _data.Tools.Count);
    }

    /// <summary>Gets the data in force.</summary>
    internal PolicyData Data => _data;

    public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var start = _time.GetTimestamp();
        ReloadIfChanged(start);
        using var activity = PolicyTelemetry.StartActivity(request, EngineName);
        var decision = Decide(_data, request);
        _telemetry.Record(activity, EngineName, decision, failure: null, cached: false, _time.GetElapsedTime(start));
        return new(decision);
    }

    /// <summary>Decides <paramref name="request"/> on <paramref name="data"/>; allocates only the decision (and, on a role-level deny, its reason).</summary>
    internal static PolicyDecision Decide(PolicyData data, PolicyRequest request)
    {
        var user = request.User;
        var tool = request.Tool;
        if (!user.IsAuthenticated || string.IsNullOrEmpty(user.UserId))
        {
            return Decisions.Deny(AuthenticationRequired, EngineName);
        }

        var level = tool.RiskLevel;
        if ((uint)level > (uint)RiskLevel.Privileged)
        {
            return Decisions.Deny($"tool '{tool.Name}' has an unknown risk level '{(int)level}'; expected read, write or privileged", EngineName);
        }

        // Rules are keyed by the tool's stable id (a curation rename keeps it); a rule under the served name applies only
        // when the id has none.
        var hasRule = data.Tools.TryGetValue(tool.Id ?? tool.Name, out var rule) || (tool.Id is not null && data.Tools.TryGetValue(tool.Name, out rule));
        if (hasRule)
        {
            var match = FirstMatch(rule!.DenyRoles, user.Roles) ?? FirstMatch(rule.DenyGroups, user.Groups);
            if (match is not null)
            {
                return Decisions.Deny(match.Reason, EngineName);
            }
        }

        if (request.Action == PolicyAction.Execute && tool.RequiredScopes.Count > 0 && MissingScopes(tool.RequiredScopes, user.Scopes) is { } missing)
        {
            return Decisions.Deny($"{InsufficientScope}: tool '{tool.Name}' requires scopes the token lacks: {missing}", EngineName);
        }

        if (hasRule)
        {
            var match = FirstMatch(rule!.AllowRoles, user.Roles) ?? FirstMatch(rule.AllowGroups, user.Groups);
            if (match is not null)
            {
                return Decisions.Allow(match.Reason, EngineName);
            }
        }

        var roles = user.Roles;
        RoleEntry? best = null;
        for (var i = 0; i < roles.Count; i++)
        {
            if (data.Roles.TryGetValue(roles[i], out var role) && role.Allows(level) && (best is null || string.CompareOrdinal(role.Name, best.Name) < 0))
            {
                best = role;
            }
        }

        if (best is not null)
        {
            return Decisions.Allow(best.AllowReason(level), EngineName);
        }

        return Decisions.Deny(roles.Count == 0 ? NoRoleReasons[(int)level] : NoRoleAllows(roles, level), EngineName);
    }

    /// <summary>The required scopes the token lacks (ordinal, case-sensitive), once each, in ordinal order and space-separated; <see langword="null"/> when none.</summary>
    internal static string? MissingScopes(IReadOnlyList<string> required, IReadOnlyList<string> granted)
    {
        List<string>? missing = null;
        foreach (var scope in required)
        {
            if (!granted.Contains(scope, StringComparer.Ordinal) && !(missing?.Contains(scope, StringComparer.Ordinal) ?? false))
            {
                (missing ??= []).Add(scope);
            }
        }

        if (missing is null)
        {
            return null;
        }

        missing.Sort(StringComparer.Ordinal);
        return string.Join(' ', missing);
    }

    private static RuleMatch? FirstMatch(System.Collections.Frozen.FrozenDictionary<string, RuleMatch> rules, IReadOnlyList<string> values)
    {
        if (rules.Count == 0)
        {
            return null;
        }

        RuleMatch? best = null;
        for (var i = 0; i < values.Count; i++)
        {
            if (rules.TryGetValue(values[i], out var match) && (best is null || string.CompareOrdinal(match.Name, best.Name) < 0))
            {
                best = match;
            }
        }

        return best;
    }

    private static string NoRoleReason(RiskLevel level) => $"the caller has no role; {level.ToWire()} tools need a role that allows them";

    // As the Rego policy says it: the caller's roles lower-cased, once each, in ordinal order.
    private static string NoRoleAllows(IReadOnlyList<string> roles, RiskLevel level)
    {
        var names = new string[roles.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = roles[i].ToLowerInvariant();
        }

        Array.Sort(names, StringComparer.Ordinal);
        var distinct = 0;
        for (var i = 0; i < names.Length; i++)
        {
            if (distinct == 0 || !string.Equals(names[distinct - 1], names[i], StringComparison.Ordinal))
            {
                names[distinct++] = names[i];
            }
        }

        return $"no role of the caller ({string.Join(", ", names, 0, distinct)}) may use {level.ToWire()} tools";
    }

    private static long IntervalTicks(TimeProvider time) => (long)(ReloadCheckInterval.TotalSeconds * time.TimestampFrequency);

    private void ReloadIfChanged(long now)
    {
        if (now < Volatile.Read(ref _nextCheck))
        {
            return;
        }

        lock (_reloadGate)
        {
            if (now < _nextCheck)
            {
                return;
            }

            _nextCheck = now + IntervalTicks(_time);
            var path = _options.CurrentValue.DataFile;
            FileStamp stamp;
            try
            {
                stamp = path is null ? default : FileStamp.Of(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return;
            }

            if (string.Equals(path, _loadedPath, StringComparison.Ordinal) && stamp == _fileStamp)
            {
                return;
            }

            try
            {
                _data = Load(path, out _fileStamp);
                Log.PolicyDataReloaded(_logger, _data.Origin, _data.Roles.Count, _data.Tools.Count);
            }
            catch (Exception ex) when (ex is IOException or FormatException or System.Text.Json.JsonException or UnauthorizedAccessException)
            {
                // Keep the last good data: a half-written file must not open or close everything. The stamp is kept so
                // the failure is logged once, and the next change is tried again.
                _fileStamp = stamp;
                Log.PolicyDataReloadFailed(_logger, path ?? "data.json (package default)", ex.Message);
            }

            _loadedPath = path;
        }
    }

    internal static PolicyData Load(string? path, out FileStamp stamp)
    {
        if (path is null)
        {
            stamp = default;
            return PolicyData.Parse(DefaultData.Value, "data.json (package default)");
        }

        stamp = FileStamp.Of(path);
        return PolicyData.Parse(File.ReadAllBytes(path), path);
    }

    private static readonly Lazy<byte[]> DefaultData = new(static () =>
    {
        using var stream = typeof(EmbeddedPolicyDecisionPoint).Assembly.GetManifestResourceStream("Msil.Mcp.Policy.Opa.data.json")
            ?? throw new InvalidOperationException("The package's default data.json is missing from Msil.Mcp.Policy.Opa.dll.");
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    });

    /// <summary>What says a file changed: its last write time and its length.</summary>
    internal readonly record struct FileStamp(DateTime LastWriteUtc, long Length)
    {
        public static FileStamp Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(info.LastWriteTimeUtc, info.Length) : default;
        }
    }
}
