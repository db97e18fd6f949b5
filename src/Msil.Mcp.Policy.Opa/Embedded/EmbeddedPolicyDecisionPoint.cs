using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Policy.Opa.Embedded;

/// <summary>
/// Decides in process from <c>data.json</c>, with the same rules as the shipped Rego policies: unauthenticated → deny;
/// a tool's deny rule beats everything; a tool's allow rule allows; otherwise a role must allow the tool's risk level.
/// <c>list</c> is decided exactly like <c>execute</c>, so a user sees only what they may call.
/// </summary>
internal sealed class EmbeddedPolicyDecisionPoint : IPolicyDecisionPoint
{
    public const string EngineName = "embedded";

    private static readonly TimeSpan ReloadCheckInterval = TimeSpan.FromSeconds(1);
    private readonly IOptionsMonitor<OpaPolicyOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<EmbeddedPolicyDecisionPoint> _logger;
    private readonly Lock _reloadGate = new();
    private volatile PolicyData _data;
    private DateTime _fileStamp;
    private long _nextCheck;

    public EmbeddedPolicyDecisionPoint(IOptionsMonitor<OpaPolicyOptions> options, TimeProvider time, ILogger<EmbeddedPolicyDecisionPoint> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _data = Load(out _fileStamp);
    }

    public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ReloadIfChanged();
        return new(Decide(_data, request));
    }

    internal static PolicyDecision Decide(PolicyData data, PolicyRequest request)
    {
        var user = request.User;
        var tool = request.Tool;
        if (!user.IsAuthenticated)
        {
            return PolicyDecision.Denied("authentication required", EngineName);
        }

        if (data.Tools.TryGetValue(tool.Name, out var rule))
        {
            foreach (var role in user.Roles)
            {
                if (rule.DenyRoles.Contains(role, StringComparer.OrdinalIgnoreCase))
                {
                    return PolicyDecision.Denied($"tool '{tool.Name}' is denied to role '{role}'", EngineName);
                }
            }

            foreach (var group in user.Groups)
            {
                if (rule.DenyGroups.Contains(group, StringComparer.Ordinal))
                {
                    return PolicyDecision.Denied($"tool '{tool.Name}' is denied to group '{group}'", EngineName);
                }
            }

            foreach (var role in user.Roles)
            {
                if (rule.AllowRoles.Contains(role, StringComparer.OrdinalIgnoreCase))
                {
                    return PolicyDecision.Allowed($"tool '{tool.Name}' is allowed for role '{role}'", EngineName);
                }
            }

            foreach (var group in user.Groups)
            {
                if (rule.AllowGroups.Contains(group, StringComparer.Ordinal))
                {
                    return PolicyDecision.Allowed($"tool '{tool.Name}' is allowed for group '{group}'", EngineName);
                }
            }
        }

        var risk = tool.RiskLevel.ToWire();
        foreach (var role in user.Roles)
        {
            if (data.Roles.TryGetValue(role, out var levels) && levels.Contains(tool.RiskLevel))
            {
                return PolicyDecision.Allowed($"role '{role}' may use {risk} tools", EngineName);
            }
        }

        return user.Roles.Count == 0
            ? PolicyDecision.Denied($"the caller has no role; {risk} tools need a role that allows them", EngineName)
            : PolicyDecision.Denied($"no role of the caller ({string.Join(", ", user.Roles)}) may use {risk} tools", EngineName);
    }

    private void ReloadIfChanged()
    {
        var path = _options.CurrentValue.DataFile;
        var now = _time.GetTimestamp();
        if (path is null || now < Volatile.Read(ref _nextCheck))
        {
            return;
        }

        lock (_reloadGate)
        {
            if (now < _nextCheck)
            {
                return;
            }

            _nextCheck = now + (long)(ReloadCheckInterval.TotalSeconds * _time.TimestampFrequency);
            DateTime stamp;
            try
            {
                stamp = File.GetLastWriteTimeUtc(path);
            }
            catch (IOException)
            {
                return;
            }

            if (stamp == _fileStamp)
            {
                return;
            }

            try
            {
                _data = Load(out _fileStamp);
                Log.PolicyDataReloaded(_logger, path);
            }
            catch (Exception ex) when (ex is IOException or FormatException or System.Text.Json.JsonException or UnauthorizedAccessException)
            {
                // Keep the last good data: a half-written file must not open or close everything.
                _fileStamp = stamp;
                Log.PolicyDataReloadFailed(_logger, path, ex.Message);
            }
        }
    }

    private PolicyData Load(out DateTime stamp)
    {
        var path = _options.CurrentValue.DataFile;
        if (path is null)
        {
            stamp = default;
            using var stream = typeof(EmbeddedPolicyDecisionPoint).Assembly.GetManifestResourceStream("Msil.Mcp.Policy.Opa.data.json")
                ?? throw new InvalidOperationException("The package's default data.json is missing.");
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            return PolicyData.Parse(ms.ToArray(), "data.json (package default)");
        }

        stamp = File.GetLastWriteTimeUtc(path);
        return PolicyData.Parse(File.ReadAllBytes(path), path);
    }
}
