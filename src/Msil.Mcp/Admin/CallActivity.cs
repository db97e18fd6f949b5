using System.Collections.Concurrent;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Admin;

/// <summary>
/// What the governed pipeline counts for the admin API, on the call path and without waiting for anything: per caller
/// (the users store's activity since the last flush, merged by <see cref="UserDirectoryFlusher"/>) and per 10-second
/// bucket of the last 5 minutes (calls, denials, errors; <c>GET /api/mcp/admin/health</c>'s rates). A call costs a
/// dictionary lookup and a few interlocked increments; a new caller also one small allocation.
/// </summary>
internal sealed class CallActivity
{
    /// <summary>The width of a rate bucket.</summary>
    public const int BucketSeconds = 10;

    /// <summary>How many buckets the ring keeps (5 minutes).</summary>
    public const int BucketCount = 30;

    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly Bucket[] _buckets = CreateBuckets();

    /// <summary>Gets how many callers have activity waiting for the next flush.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Counts one governed call of <paramref name="caller"/> that ended with <paramref name="outcome"/>.</summary>
    public void Record(CallerIdentity caller, string outcome, DateTimeOffset now) => RecordKeyed(caller, null, outcome, now);

    /// <summary>Counts one governed call, keyed by <paramref name="principalKey"/> when the call already built it (else the caller's).</summary>
    public void RecordKeyed(CallerIdentity caller, string? principalKey, string outcome, DateTimeOffset now)
    {
        var denied = string.Equals(outcome, AuditOutcomes.Denied, StringComparison.Ordinal);
        var error = outcome is AuditOutcomes.Failed or AuditOutcomes.ToolError or AuditOutcomes.AuditUnavailable;
        CountRate(now, denied, error);
        if (!caller.IsAuthenticated)
        {
            return;
        }

        var ticks = now.UtcTicks;
        var entry = _pending.GetOrAdd(principalKey ?? caller.PrincipalKey, static (_, c) => new Pending(c), caller);
        entry.Caller = caller;
        Interlocked.Increment(ref entry.Calls);
        if (denied)
        {
            Interlocked.Increment(ref entry.Denials);
        }

        Interlocked.CompareExchange(ref entry.FirstTicks, ticks, 0);
        if (ticks > Volatile.Read(ref entry.LastTicks))
        {
            Volatile.Write(ref entry.LastTicks, ticks);
        }
    }

    /// <summary>Takes the activity since the last call (one record per caller) and forgets callers that had none.</summary>
    public List<UserRecord> Drain()
    {
        var batch = new List<UserRecord>(_pending.Count);
        foreach (var (key, entry) in _pending)
        {
            var calls = Interlocked.Exchange(ref entry.Calls, 0);
            var denials = Interlocked.Exchange(ref entry.Denials, 0);
            var first = Interlocked.Exchange(ref entry.FirstTicks, 0);
            if (calls == 0 && denials == 0)
            {
                // Idle since the last flush: forget it. A call that raced the removal is put back, not lost.
                if (_pending.TryRemove(new KeyValuePair<string, Pending>(key, entry)) && Volatile.Read(ref entry.Calls) > 0)
                {
                    Restore(ToRecord(key, entry, Interlocked.Exchange(ref entry.Calls, 0), Interlocked.Exchange(ref entry.Denials, 0), Interlocked.Exchange(ref entry.FirstTicks, 0)));
                }

                continue;
            }

            batch.Add(ToRecord(key, entry, calls, denials, first));
        }

        return batch;
    }

    /// <summary>Puts back activity a flush could not store, so that the next flush carries it.</summary>
    public void Restore(UserRecord record)
    {
        var caller = new CallerIdentity { UserId = record.Name, Subject = record.Subject, Issuer = record.Issuer, Roles = record.Roles, Groups = record.Groups };
        var entry = _pending.GetOrAdd(record.PrincipalKey, static (_, c) => new Pending(c), caller);
        Interlocked.Add(ref entry.Calls, record.Calls);
        Interlocked.Add(ref entry.Denials, record.Denials);
        var first = record.FirstSeen.UtcTicks;
        long seen;
        while (((seen = Volatile.Read(ref entry.FirstTicks)) == 0 || first < seen) && Interlocked.CompareExchange(ref entry.FirstTicks, first, seen) != seen)
        {
        }

        if (record.LastSeen.UtcTicks > Volatile.Read(ref entry.LastTicks))
        {
            Volatile.Write(ref entry.LastTicks, record.LastSeen.UtcTicks);
        }
    }

    /// <summary>Returns the last <see cref="BucketCount"/> buckets up to <paramref name="now"/>, oldest first; empty buckets count zero.</summary>
    public IReadOnlyList<RateBucket> Rates(DateTimeOffset now)
    {
        var current = now.ToUnixTimeSeconds() / BucketSeconds;
        var result = new RateBucket[BucketCount];
        for (var i = 0; i < BucketCount; i++)
        {
            var epoch = current - (BucketCount - 1) + i;
            var b = _buckets[Index(epoch)];
            var at = DateTimeOffset.FromUnixTimeSeconds(epoch * BucketSeconds);
            lock (b)
            {
                result[i] = b.Epoch == epoch ? new RateBucket(at, b.Calls, b.Denials, b.Errors) : new RateBucket(at, 0, 0, 0);
            }
        }

        return result;
    }

    private void CountRate(DateTimeOffset now, bool denied, bool error)
    {
        var epoch = now.ToUnixTimeSeconds() / BucketSeconds;
        var b = _buckets[Index(epoch)];
        lock (b)
        {
            if (b.Epoch != epoch)
            {
                if (epoch < b.Epoch)
                {
                    return;
                }

                b.Epoch = epoch;
                b.Calls = b.Denials = b.Errors = 0;
            }

            b.Calls++;
            if (denied)
            {
                b.Denials++;
            }

            if (error)
            {
                b.Errors++;
            }
        }
    }

    private static int Index(long epoch) => (int)(((epoch % BucketCount) + BucketCount) % BucketCount);

    private static UserRecord ToRecord(string key, Pending entry, long calls, long denials, long firstTicks)
    {
        var caller = entry.Caller;
        var last = Volatile.Read(ref entry.LastTicks);
        return new UserRecord
        {
            PrincipalKey = key,
            Subject = caller.Subject,
            Issuer = caller.Issuer,
            Name = caller.UserId,
            Roles = caller.Roles,
            Groups = caller.Groups,
            FirstSeen = new DateTimeOffset(firstTicks == 0 ? last : firstTicks, TimeSpan.Zero),
            LastSeen = new DateTimeOffset(last, TimeSpan.Zero),
            Calls = calls,
            Denials = denials,
        };
    }

    private static Bucket[] CreateBuckets()
    {
        var buckets = new Bucket[BucketCount];
        for (var i = 0; i < BucketCount; i++)
        {
            buckets[i] = new Bucket { Epoch = -1 };
        }

        return buckets;
    }

    private sealed class Pending(CallerIdentity caller)
    {
        public CallerIdentity Caller = caller;
        public long Calls;
        public long Denials;
        public long FirstTicks;
        public long LastTicks;
    }

    private sealed class Bucket
    {
        public long Epoch;
        public int Calls;
        public int Denials;
        public int Errors;
    }
}

/// <summary>The governed calls of one 10-second bucket.</summary>
/// <param name="At">The bucket's start.</param>
/// <param name="Calls">Calls that ended in it.</param>
/// <param name="Denials">Of those, denied by policy.</param>
/// <param name="Errors">Of those, failed (tool error, failure, audit unavailable).</param>
internal readonly record struct RateBucket(DateTimeOffset At, int Calls, int Denials, int Errors);
