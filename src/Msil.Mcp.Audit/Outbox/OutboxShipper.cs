using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Audit.Outbox;

/// <summary>
/// Ships the outbox to one target, in order, from its persisted checkpoint: reads complete records from the chain
/// files, checks they continue the chain, batches them (by count and age), ships, then writes the checkpoint. A failed
/// shipment is retried with the same records (the target ignores what it already holds) after a growing delay, so an
/// outage of the target or a crash of the process loses nothing and duplicates nothing. The call path never waits here.
/// </summary>
/// <typeparam name="TTarget">The target.</typeparam>
internal sealed class OutboxShipper<TTarget> : BackgroundService
    where TTarget : class, IAuditShipTarget
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FinalShipTimeout = TimeSpan.FromSeconds(5);

    private readonly TTarget _target;
    private readonly FileAuditSink _sink;
    private readonly AuditOptions _options;
    private readonly TimeProvider _time;
    private readonly AuditTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private long _shipped = -1;

    public OutboxShipper(TTarget target, FileAuditSink sink, IOptions<AuditOptions> options, TimeProvider time, AuditTelemetry telemetry, ILogger<OutboxShipper<TTarget>> logger)
    {
        _target = target;
        _sink = sink;
        _options = options.Value;
        _time = time;
        _telemetry = telemetry;
        _logger = logger;
    }

    /// <summary>Gets the last record shipped, or -1 before shipping has started.</summary>
    public long ShippedSequence => Volatile.Read(ref _shipped);

    /// <summary>Gets whether shipping stopped because the outbox does not verify or the target belongs to another writer.</summary>
    public bool IsHalted { get; private set; }

    /// <summary>Gets whether the last attempt to reach the target failed (it is being retried).</summary>
    public bool IsFailing { get; private set; }

    /// <summary>Gets whether the target is configured.</summary>
    public bool Enabled => _target.Enabled;

    /// <summary>Gets the target's name.</summary>
    public string TargetName => _target.Name;

    /// <summary>Gets how many records written to the outbox have not reached the target.</summary>
    public long Lag => Math.Max(0, _sink.LastSequence - Math.Max(0, ShippedSequence));

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_target.Enabled)
        {
            return;
        }

        await _sink.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
        _sink.Flushed += Wake;
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
        finally
        {
            _sink.Flushed -= Wake;
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var chainId = _sink.ChainId;
        var directory = _sink.DirectoryPath;
        var checkpoint = ShipCheckpoint.Read(directory, _target.Name, _target.Fingerprint, chainId, out var mismatched) ?? ShipPosition.Start;
        if (mismatched)
        {
            Log.CheckpointIgnored(_logger, ShipCheckpoint.PathOf(directory, _target.Name));
        }

        _telemetry.TrackLag(_target.Name, () => Lag);
        var delay = _options.RetryDelay;
        ShipPosition position;
        long? batchEnd;
        while (true)
        {
            try
            {
                (position, batchEnd) = await _target.InitializeAsync(chainId, checkpoint, stoppingToken).ConfigureAwait(false);
                break;
            }
            catch (AuditTargetConflictException ex)
            {
                Halt(ex.Message);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                IsFailing = true;
                _telemetry.ShipFailed(_target.Name);
                Log.ShipFailed(_logger, _target.Name, ex.GetType().Name, ex.Message, delay);
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                delay = Next(delay);
            }
        }

        IsFailing = false;

        if (position != checkpoint)
        {
            Log.TargetAhead(_logger, _target.Name, position.Sequence);
            SaveCheckpoint(directory, chainId, position);
        }

        Volatile.Write(ref _shipped, position.Sequence);
        Log.ShippingStarts(_logger, _target.Name, position.Sequence);
        var reader = new OutboxReader(directory);
        try
        {
            reader.SeekAfter(position.Sequence);
        }
        catch (InvalidDataException ex)
        {
            Log.OutboxBroken(_logger, _target.Name, position.Sequence + 1, ex.Message);
            IsHalted = true;
            return;
        }

        var verifier = new ChainVerifier(chainId, position.Sequence, position.Hash);
        var pending = new List<ChainedRecord>();
        var frozen = false;
        var failing = false;
        delay = _options.RetryDelay;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var limit = batchEnd is { } end ? (int)Math.Max(1, end - position.Sequence) : _target.BatchMaxRecords;
                if (!frozen && pending.Count < limit && !Fill(reader, verifier, pending, limit))
                {
                    return;
                }

                if (IsDue(pending, limit, batchEnd is not null, frozen))
                {
                    try
                    {
                        position = await ShipAsync(directory, chainId, pending, position, stoppingToken).ConfigureAwait(false);
                        pending.Clear();
                        frozen = false;
                        batchEnd = null;
                        delay = _options.RetryDelay;
                        IsFailing = false;
                        if (failing)
                        {
                            failing = false;
                            Log.ShipRecovered(_logger, _target.Name, position.Sequence);
                        }

                        continue;
                    }
                    catch (AuditTargetConflictException ex)
                    {
                        Halt(ex.Message);
                        return;
                    }
                    catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                    {
                        // Retry the very same records, so a batch that did arrive is overwritten by an identical one.
                        frozen = true;
                        failing = true;
                        IsFailing = true;
                        _telemetry.ShipFailed(_target.Name);
                        Log.ShipFailed(_logger, _target.Name, ex.GetType().Name, ex.Message, delay);
                        await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                        delay = Next(delay);
                        continue;
                    }
                }

                var wait = PollInterval;
                if (pending.Count > 0 && _target.BatchMaxAge > TimeSpan.Zero)
                {
                    var left = _target.BatchMaxAge - (_time.GetUtcNow() - pending[0].Timestamp);
                    wait = left < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : left < wait ? left : wait;
                }

                await WaitAsync(wait, stoppingToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (stoppingToken.IsCancellationRequested && pending.Count > 0 && (batchEnd is null || position.Sequence + pending.Count == batchEnd))
            {
                await FinalShipAsync(directory, chainId, pending, position).ConfigureAwait(false);
            }
        }
    }

    private bool Fill(OutboxReader reader, ChainVerifier verifier, List<ChainedRecord> pending, int limit)
    {
        var before = pending.Count;
        try
        {
            reader.Read(pending, limit - pending.Count);
        }
        catch (InvalidDataException ex)
        {
            Log.OutboxBroken(_logger, _target.Name, verifier.LastSequence + 1, ex.Message);
            IsHalted = true;
            return false;
        }

        for (var i = before; i < pending.Count; i++)
        {
            if (verifier.Check(pending[i]) is { } problem)
            {
                Log.OutboxBroken(_logger, _target.Name, pending[i].Sequence, problem);
                IsHalted = true;
                return false;
            }
        }

        return true;
    }

    private bool IsDue(List<ChainedRecord> pending, int limit, bool fixedEnd, bool frozen)
    {
        if (pending.Count == 0)
        {
            return false;
        }

        if (frozen || pending.Count >= limit)
        {
            return true;
        }

        return !fixedEnd && (_target.BatchMaxAge <= TimeSpan.Zero || _time.GetUtcNow() - pending[0].Timestamp >= _target.BatchMaxAge);
    }

    private async Task<ShipPosition> ShipAsync(string directory, string chainId, List<ChainedRecord> batch, ShipPosition previous, CancellationToken cancellationToken)
    {
        using var activity = AuditTelemetry.Source.StartActivity("ship " + _target.Name, ActivityKind.Client);
        activity?.SetTag("msil.audit.records", batch.Count);
        var position = await _target.ShipAsync(chainId, batch, previous, cancellationToken).ConfigureAwait(false);
        SaveCheckpoint(directory, chainId, position);
        Volatile.Write(ref _shipped, position.Sequence);
        _telemetry.Shipped(_target.Name, batch.Count);
        return position;
    }

    private async Task FinalShipAsync(string directory, string chainId, List<ChainedRecord> pending, ShipPosition position)
    {
        using var timeout = new CancellationTokenSource(FinalShipTimeout, _time);
        try
        {
            await ShipAsync(directory, chainId, pending, position, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not AuditTargetConflictException)
        {
            // Left in the outbox; shipped after the next start.
            Log.ShipFailed(_logger, _target.Name, ex.GetType().Name, ex.Message, TimeSpan.Zero);
        }
    }

    private void SaveCheckpoint(string directory, string chainId, ShipPosition position)
    {
        try
        {
            ShipCheckpoint.Write(directory, _target.Name, _target.Fingerprint, chainId, position);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The target has the records; without the checkpoint they are shipped again after a restart, which the
            // target ignores.
            Log.ShipFailed(_logger, _target.Name + " checkpoint", ex.GetType().Name, ex.Message, TimeSpan.Zero);
        }
    }

    private void Halt(string problem)
    {
        IsHalted = true;
        Log.TargetConflict(_logger, _target.Name, problem);
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken stoppingToken)
    {
        using var timeout = new CancellationTokenSource(wait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
        try
        {
            await _signal.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Timed out: look again.
        }
    }

    private TimeSpan Next(TimeSpan delay)
    {
        var next = delay + delay;
        return next > _options.MaxRetryDelay ? _options.MaxRetryDelay : next;
    }

    private void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
            catch (ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}

/// <summary>Thrown by a target that holds records of this chain that do not continue it (another writer uses the same chain id).</summary>
internal sealed class AuditTargetConflictException : Exception
{
    public AuditTargetConflictException()
    {
    }

    public AuditTargetConflictException(string message)
        : base(message)
    {
    }

    public AuditTargetConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
