using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Policy.Opa;

/// <summary>
/// The package's Meter and ActivitySource (both <c>Msil.Mcp.Policy.Opa</c>): a counter of evaluations by decision and
/// engine, a histogram of their duration, and a span <c>evaluate {tool}</c> per decision. Tags never carry the reason,
/// a role, a group or an argument (claim values stay out of telemetry); the decision id links a span to the audit record.
/// </summary>
internal sealed class PolicyTelemetry
{
    /// <summary>The Meter and ActivitySource name (= the PackageId).</summary>
    public const string Name = "Msil.Mcp.Policy.Opa";

    /// <summary>The counter of evaluations.</summary>
    public const string EvaluationsInstrument = "msil.mcp.policy.evaluations";

    /// <summary>The histogram of evaluation durations, in seconds.</summary>
    public const string DurationInstrument = "msil.mcp.policy.evaluation.duration";

    /// <summary>The tag carrying <c>allow</c> or <c>deny</c>.</summary>
    public const string DecisionTag = "msil.policy.decision";

    /// <summary>The tag carrying the engine (<c>embedded</c> or <c>opa</c>).</summary>
    public const string EngineTag = "msil.policy.engine";

    /// <summary>The tag carrying why an engine could not decide (a fail-closed deny), for example <c>timeout</c>.</summary>
    public const string ErrorTypeTag = "error.type";

    private readonly Counter<long> _evaluations;
    private readonly Histogram<double> _duration;

    public PolicyTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _evaluations = meter.CreateCounter<long>(EvaluationsInstrument, "{decision}", "Policy evaluations by decision and engine; error.type is set when the engine could not decide and the request was denied.");
        _duration = meter.CreateHistogram<double>(DurationInstrument, "s", "Duration of policy evaluations.", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.000_005, 0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        });
    }

    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Starts the decision's span when anyone listens; otherwise returns <see langword="null"/> without allocating.</summary>
    public static Activity? StartActivity(PolicyRequest request, string engine)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("evaluate " + request.Tool.Name, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mcp.tool.name", request.Tool.Name);
            activity.SetTag("msil.policy.action", Action(request.Action));
            activity.SetTag(EngineTag, engine);
        }

        return activity;
    }

    /// <summary>Records a finished evaluation on the instruments and on its span.</summary>
    public void Record(Activity? activity, string engine, PolicyDecision decision, string? failure, bool cached, TimeSpan elapsed)
    {
        var result = decision.Allow ? "allow" : "deny";
        if (_evaluations.Enabled || _duration.Enabled)
        {
            var tags = new TagList { { DecisionTag, result }, { EngineTag, engine } };
            if (failure is not null)
            {
                tags.Add(ErrorTypeTag, failure);
            }

            _evaluations.Add(1, tags);
            _duration.Record(elapsed.TotalSeconds, tags);
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(DecisionTag, result);
            activity.SetTag("msil.policy.decision_id", decision.DecisionId);
            if (cached)
            {
                activity.SetTag("msil.policy.cached", true);
            }

            if (failure is not null)
            {
                activity.SetTag(ErrorTypeTag, failure);
                activity.SetStatus(ActivityStatusCode.Error, "the policy engine could not decide; denied (fail closed)");
            }
        }
    }

    public static string Action(PolicyAction action) => action == PolicyAction.List ? "list" : "execute";
}

/// <summary>
/// Builds decisions with ids of the documented form <c>dec_</c> + 16 lower-case hex digits (64 random bits), in one
/// allocation. The bits come from the system's cryptographic generator, drawn 512 bytes at a time per thread: one
/// draw is a system call of a few microseconds, which would otherwise be most of an embedded decision.
/// </summary>
internal static class Decisions
{
    private const int BufferSize = 512;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_used;

    public static PolicyDecision Allow(string reason, string engine) => new(true, reason, NewId(), engine);

    public static PolicyDecision Deny(string reason, string engine) => new(false, reason, NewId(), engine);

    public static string NewId()
    {
        var random = t_random;
        if (random is null || t_used > BufferSize - 8)
        {
            random ??= t_random = new byte[BufferSize];
            RandomNumberGenerator.Fill(random);
            t_used = 0;
        }

        var bits = BinaryPrimitives.ReadUInt64LittleEndian(random.AsSpan(t_used, 8));
        t_used += 8;
        return string.Create(20, bits, static (span, value) =>
        {
            "dec_".CopyTo(span);
            value.TryFormat(span[4..], out _, "x16", CultureInfo.InvariantCulture);
        });
    }
}
