using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Audit;

/// <summary>
/// The embedded audit sink and the durable outbox: hash-chained JSON-lines files. Records leave the call path through
/// a bounded channel to one writer that assigns gap-free sequence numbers, chains hashes, writes in batches and
/// flushes (or syncs) before acknowledging; with <see cref="AuditDurability.Flushed"/> a lone call writes its own record
/// and overlapping calls join the batch of whoever holds the write lock (group commit), all under the same lock. One chain per audit directory (one per writer instance); the chain
/// continues across restarts and file rotations. The shippers read the same files.
/// </summary>
internal sealed class FileAuditSink : IAuditSink, IAuditGate, IHostedService, IAsyncDisposable
{
    /// <summary>The file holding the chain id, next to the chain files.</summary>
    public const string ChainIdFileName = "chain-id";

    private const int MaxBatch = 512;
    private const int MaxDrainRounds = 4;
    private static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<Pending> _queue;
    private readonly AuditOptions _options;
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly AuditTelemetry _telemetry;
    private readonly ILogger<FileAuditSink> _logger;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly AuditLineWriter _lines = new();
    private readonly Lock _gate = new();
    private readonly Lock _joinLock = new();
    private List<Pending> _joined = new(MaxBatch);
    private List<Pending> _joinedSpare = new(MaxBatch);
    private Task? _writer;
    private FileStream? _file;
    private string? _fileName;
    private long _fileBytes;
    private long _sequence;
    private readonly byte[] _previousHash = new byte[AuditLineWriter.HashLength];
    private long _todayNumber = -1;
    private string _today = string.Empty;
    private Exception? _fault;
    private long _lastRecoveryAttempt;
    private string? _chainId;
    private volatile bool _closed;

    public FileAuditSink(IOptions<AuditOptions> options, IHostEnvironment environment, TimeProvider time, AuditTelemetry telemetry, ILogger<FileAuditSink> logger)
    {
        _options = options.Value;
        _time = time;
        _telemetry = telemetry;
        _logger = logger;
        _directory = Path.GetFullPath(Path.Combine(environment.ContentRootPath, _options.Directory));
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Raised on the writer after each batch is durable; shippers use it to wake up.</summary>
    public event Action? Flushed;

    public string DirectoryPath => _directory;

    /// <summary>Gets the chain id (known once started).</summary>
    public string ChainId => _chainId ?? throw new InvalidOperationException("The audit sink has not started.");

    /// <summary>Gets a task that completes when the sink has opened its chain.</summary>
    public Task Started => _started.Task;

    /// <summary>Gets the sequence number of the last record written.</summary>
    public long LastSequence => Volatile.Read(ref _sequence);

    /// <summary>Gets whether the outbox is known to be unwritable.</summary>
    public bool IsFaulted => Volatile.Read(ref _fault) is not null;

    public async ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var queued = _options.Durability == AuditDurability.Queued;
        if (queued && Volatile.Read(ref _fault) is { } fault)
        {
            _telemetry.WriteFailed(1);
            throw new AuditUnavailableException("The audit log cannot be written: " + fault.Message, fault);
        }

        if (_options.Durability == AuditDurability.Flushed && TryWriteAlone(record, out var failure))
        {
            // Written and flushed on this thread, or failed there: no queue, no task to wait for.
            if (failure is not null)
            {
                throw failure;
            }

            return;
        }

        var pending = new Pending(record, queued ? null : new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_options.Durability == AuditDurability.Flushed && TryJoin(pending))
        {
            // The gate's holder writes it with its own batch (or this thread does, if the gate came free meanwhile).
            await pending.Written!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            _telemetry.WriteFailed(1);
            throw new AuditUnavailableException("The audit log is closed (the host is stopping).", ex);
        }

        if (pending.Written is not null)
        {
            await pending.Written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Called before a governed call runs: completes at once while the outbox can be written. When it cannot, it asks
    /// the writer to try again and, if that fails, throws for privileged tools always and for other tools when
    /// <see cref="AuditOptions.OutboxFailurePolicy"/> is <see cref="AuditOutboxFailurePolicy.Refuse"/>.
    /// </summary>
    /// <exception cref="AuditUnavailableException">The call must be refused because its record could not be kept.</exception>
    public ValueTask EnsureWritableAsync(RiskLevel riskLevel, CancellationToken cancellationToken)
        => Volatile.Read(ref _fault) is null && !_closed && _started.Task.IsCompletedSuccessfully
            ? ValueTask.CompletedTask
            : ProbeAsync(riskLevel, cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(_directory);
            _chainId = OpenChainId();
            RecoverChainState();
            Log.ChainOpened(_logger, _chainId, _directory, _sequence + 1);
            _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
            _started.TrySetResult();
        }
        catch (Exception ex)
        {
            _started.TrySetException(ex);
            throw;
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _closed = true;
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.ConfigureAwait(false);
        }

        _gate.Enter();
        try
        {
            try
            {
                _file?.Dispose();
            }
            catch (IOException)
            {
                // Already reported as a write failure.
            }

            _file = null;
        }
        finally
        {
            ExitGate();
        }

        _lines.Dispose();
        _started.TrySetCanceled();
    }

    /// <summary>Returns whether <paramref name="chainId"/> can name a chain (it becomes part of S3 keys and table rows).</summary>
    internal static bool IsValidChainId(string? chainId)
    {
        if (string.IsNullOrEmpty(chainId) || chainId.Length > 64 || chainId[0] is '.' or '-')
        {
            return false;
        }

        foreach (var c in chainId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The lone-call fast path for <see cref="AuditDurability.Flushed"/>: when nothing is queued and no batch is being
    /// written, the caller writes and flushes its own record instead of handing it to the writer loop and waiting for
    /// a thread switch there and back. Under load the queue is not empty and records are batched as before. Nothing is
    /// allocated for the call: no queue entry, no task; a failure comes back in <paramref name="failure"/>.
    /// </summary>
    private bool TryWriteAlone(AuditRecord record, out AuditUnavailableException? failure)
    {
        failure = null;
        if (_closed || !_started.Task.IsCompletedSuccessfully || Volatile.Read(ref _fault) is not null
            || _queue.Reader.Count != 0 || Volatile.Read(ref _joined).Count != 0 || !_gate.TryEnter())
        {
            return false;
        }

        try
        {
            if (_closed || Volatile.Read(ref _fault) is not null)
            {
                return false;
            }

            var lone = new Lone(record);
            WriteBatch(ref lone);
            failure = lone.Failure;
            return true;
        }
        finally
        {
            ExitGate();
        }
    }

    /// <summary>
    /// Group commit for <see cref="AuditDurability.Flushed"/> when the gate is taken: the record joins the records
    /// waiting for the gate, and whoever holds the gate writes them all as one batch (one flush) before it lets go, so
    /// no queue, writer-loop wake-up or blocked thread stands between a call and its flush. Returns false (use the
    /// writer loop) when the sink is not open or is faulted: recovery and fail-closed stay on the writer loop.
    /// </summary>
    private bool TryJoin(Pending pending)
    {
        if (_closed || !_started.Task.IsCompletedSuccessfully || Volatile.Read(ref _fault) is not null)
        {
            return false;
        }

        lock (_joinLock)
        {
            _joined.Add(pending);
        }

        // If the gate came free meanwhile, write what waits (this record included); else its holder will, on exit.
        DrainJoined();
        return true;
    }

    /// <summary>
    /// Lets go of the gate, then writes the records that joined while it was held. Every exit of the gate goes through
    /// here, so a record that joined is always written (or failed) by the holder at the time or by the next one: a
    /// caller joins before it tries the gate, and a holder looks for joined records after it lets go.
    /// </summary>
    private void ExitGate()
    {
        _gate.Exit();
        DrainJoined();
    }

    private bool HasJoined()
    {
        lock (_joinLock)
        {
            return _joined.Count != 0;
        }
    }

    private void DrainJoined()
    {
        for (var round = 0; HasJoined(); round++)
        {
            if (round == MaxDrainRounds)
            {
                // A caller's own answer waits while it writes for others: after a few batches it hands the rest to a
                // pool thread (which drains the same way), so nobody is kept writing under sustained load.
                ThreadPool.UnsafeQueueUserWorkItem(static sink => sink.DrainJoined(), this, preferLocal: false);
                return;
            }

            if (!_gate.TryEnter())
            {
                return; // the holder drains when it lets go
            }

            try
            {
                List<Pending> batch;
                lock (_joinLock)
                {
                    // Only the gate's holder swaps the lists, so the spare is its own until the next swap.
                    batch = _joined;
                    _joined = _joinedSpare;
                    _joinedSpare = batch;
                }

                var queued = new Queued(batch);
                if (_closed)
                {
                    FailBatch(ref queued, new ObjectDisposedException(nameof(FileAuditSink), "The audit log is closed (the host is stopping)."));
                }
                else
                {
                    WriteBatch(ref queued);
                }

                batch.Clear();
            }
            finally
            {
                _gate.Exit();
            }
        }
    }

    private async ValueTask ProbeAsync(RiskLevel riskLevel, CancellationToken cancellationToken)
    {
        Exception? failure = Volatile.Read(ref _fault);
        if (!_closed && _started.Task.IsCompletedSuccessfully)
        {
            var probe = new Pending(null, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            try
            {
                await _queue.Writer.WriteAsync(probe, cancellationToken).ConfigureAwait(false);
                await probe.Written!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AuditUnavailableException ex)
            {
                failure = ex.InnerException ?? ex;
            }
            catch (ChannelClosedException ex)
            {
                failure = ex;
            }
        }

        if (riskLevel == RiskLevel.Privileged || _options.OutboxFailurePolicy == AuditOutboxFailurePolicy.Refuse)
        {
            var why = failure is null ? "the audit log is not open" : "the audit log cannot be written: " + failure.Message;
            var message = riskLevel == RiskLevel.Privileged
                ? $"Privileged calls are refused because {why}."
                : $"Calls are refused because {why} (Msil:Mcp:Audit:OutboxFailurePolicy = Refuse).";
            throw failure is null ? new AuditUnavailableException(message) : new AuditUnavailableException(message, failure);
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            _gate.Enter();
            try
            {
                var queued = new Queued(batch);
                WriteBatch(ref queued);
            }
            finally
            {
                ExitGate();
            }
        }

        _gate.Enter();
        try
        {
            FlushAtEnd();
        }
        finally
        {
            ExitGate();
        }
    }

    /// <summary>
    /// Writes one batch: sequence numbers, hashes, one flush (or fsync). Runs under <see cref="_gate"/>, on the writer
    /// loop or, for a lone call, on the caller's thread.
    /// </summary>
    private void WriteBatch<TBatch>(ref TBatch batch)
        where TBatch : struct, IBatch
    {
        if (Volatile.Read(ref _fault) is not null && !TryRecover())
        {
            FailBatch(ref batch, _fault!);
            return;
        }

        var started = _time.GetTimestamp();
        var written = 0;
        try
        {
            // Only one writer at a time (the gate): plain synchronous writes into the FileStream's buffer, one flush
            // (or fsync) for the whole batch.
            var today = Today();
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch.RecordAt(i) is not { } record)
                {
                    continue;
                }

                var file = CurrentFile(today);
                var line = _lines.Write(record, _sequence + 1, _previousHash, _chainId);
                file.Write(line);
                _fileBytes += line.Length;
                Volatile.Write(ref _sequence, _sequence + 1);
                AuditLineWriter.HashOf(line).CopyTo(_previousHash);
                written++;
            }

            _file?.Flush(flushToDisk: _options.Durability == AuditDurability.Synced);
            batch.Succeed();

            if (written > 0)
            {
                _telemetry.Written(written, _time.GetElapsedTime(started).TotalSeconds);
                Flushed?.Invoke();
            }
        }
        catch (Exception ex)
        {
            // Whatever failed (I/O, or anything unforeseen), the writer must survive and no caller may wait
            // forever: the batch fails, and the next one starts by re-reading the chain's end from disk.
            Volatile.Write(ref _fault, ex);
            _lastRecoveryAttempt = _time.GetTimestamp();
            Log.WriteFailed(_logger, _directory, ex.Message);
            CloseQuietly();
            FailBatch(ref batch, ex);
        }
    }

    /// <summary>Today's UTC date as <c>yyyyMMdd</c>, formatted once per day.</summary>
    private string Today()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var number = now.Ticks / TimeSpan.TicksPerDay;
        if (number != _todayNumber)
        {
            _today = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            _todayNumber = number;
        }

        return _today;
    }

    private void FlushAtEnd()
    {
        if (_file is not null)
        {
            try
            {
                _file.Flush(flushToDisk: _options.Durability == AuditDurability.Synced);
            }
            catch (IOException ex)
            {
                Log.WriteFailed(_logger, _directory, ex.Message);
            }
        }
    }

    private void FailBatch<TBatch>(ref TBatch batch, Exception cause)
        where TBatch : struct, IBatch
    {
        var records = batch.Fail(cause, out var lostQueued);
        if (records > 0)
        {
            _telemetry.WriteFailed(records);
        }

        if (lostQueued > 0)
        {
            Log.QueuedRecordsLost(_logger, lostQueued);
        }
    }

    /// <summary>After a write failure: re-reads the chain's end from disk (cutting a torn line) and reopens the file.</summary>
    private bool TryRecover()
    {
        if (_time.GetElapsedTime(_lastRecoveryAttempt) < RecoveryInterval)
        {
            return false;
        }

        _lastRecoveryAttempt = _time.GetTimestamp();
        try
        {
            CloseQuietly();
            RecoverChainState();
            CurrentFile(Today());
            Volatile.Write(ref _fault, null);
            Log.WriteRecovered(_logger, _directory, _sequence + 1);
            return true;
        }
        catch (Exception ex)
        {
            CloseQuietly();
            Volatile.Write(ref _fault, ex);
            return false;
        }
    }

    private void CloseQuietly()
    {
        var file = _file;
        _file = null;
        _fileName = null;
        try
        {
            file?.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // The bytes still buffered are lost; recovery re-reads what reached the disk.
        }
    }

    /// <summary>The file to append to: the current one unless it is full or from an earlier UTC day.</summary>
    private FileStream CurrentFile(string today)
    {
        if (_file is not null && _fileBytes < _options.MaxFileBytes && string.CompareOrdinal(_fileName, 6, today, 0, 8) >= 0)
        {
            return _file;
        }

        if (_file is not null)
        {
            _file.Flush(flushToDisk: _options.Durability == AuditDurability.Synced);
            _file.Dispose();
            _file = null;
        }

        var (name, length) = NextFile(today);
        var path = Path.Combine(_directory, name);
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.None);
        _fileName = name;
        _fileBytes = length;
        return _file;
    }

    /// <summary>
    /// Picks the file to write: today's last file while it has room, else the next index. Names always sort after the
    /// last existing file, so a clock that steps back cannot put records out of order.
    /// </summary>
    private (string Name, long Length) NextFile(string today)
    {
        var last = AuditLogVerifier.ChainFiles(_directory).LastOrDefault();
        if (last is null)
        {
            return (FileName(today, 0), 0);
        }

        var lastName = Path.GetFileName(last);
        var lastDay = lastName.Substring(6, 8);
        var lastIndex = int.Parse(lastName.AsSpan(15, 4), NumberStyles.None, CultureInfo.InvariantCulture);
        var lastLength = new FileInfo(last).Length;
        if (string.CompareOrdinal(today, lastDay) > 0)
        {
            return (FileName(today, 0), 0);
        }

        return lastLength < _options.MaxFileBytes ? (lastName, lastLength) : (FileName(lastDay, lastIndex + 1), 0);
    }

    private static string FileName(string day, int index) => $"audit-{day}-{index.ToString("D4", CultureInfo.InvariantCulture)}.jsonl";

    private string OpenChainId()
    {
        var path = Path.Combine(_directory, ChainIdFileName);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (!IsValidChainId(existing))
            {
                throw new InvalidOperationException($"The chain id in '{path}' is not valid; restore the file from a backup (it names this directory's chain in PostgreSQL and S3).");
            }

            if (_options.ChainId is { Length: > 0 } configured && !string.Equals(configured, existing, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Msil:Mcp:Audit:ChainId is '{configured}' but the audit directory '{_directory}' holds chain '{existing}'. A directory keeps one chain: remove the setting, set it to '{existing}', or point Msil:Mcp:Audit:Directory at a new folder.");
            }

            return existing;
        }

        var id = _options.ChainId is { Length: > 0 } chosen ? chosen : NewChainId();
        var temp = path + ".tmp";
        File.WriteAllText(temp, id + "\n");
        File.Move(temp, path, overwrite: true);
        return id;
    }

    private static string NewChainId()
    {
        var sb = new StringBuilder();
        foreach (var c in Environment.MachineName.ToLowerInvariant())
        {
            if (sb.Length == 40)
            {
                break;
            }

            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-');
        }

        if (sb.Length == 0 || sb[0] is '.' or '-')
        {
            sb.Insert(0, "host");
        }

        return sb.Append('-').Append(Guid.NewGuid().ToString("N").AsSpan(0, 8)).ToString();
    }

    /// <summary>Continues the chain from the last complete record; a torn last line (a crash mid-write, never acknowledged) is cut off.</summary>
    private void RecoverChainState()
    {
        _sequence = 0;
        SetPreviousHash(AuditRecordSerializer.Genesis);
        foreach (var file in AuditLogVerifier.ChainFiles(_directory).Reverse())
        {
            var bytes = File.ReadAllBytes(file);
            var end = bytes.Length;
            if (end > 0 && bytes[end - 1] != (byte)'\n')
            {
                var lastNewline = Array.LastIndexOf(bytes, (byte)'\n');
                using (var fs = new FileStream(file, FileMode.Open, FileAccess.Write))
                {
                    fs.SetLength(lastNewline + 1);
                    fs.Flush(flushToDisk: true);
                }

                Log.TornRecordRemoved(_logger, file, end - (lastNewline + 1));
                end = lastNewline + 1;
            }

            var text = Encoding.UTF8.GetString(bytes, 0, end).TrimEnd('\n');
            if (text.Length == 0)
            {
                continue;
            }

            var lastLine = text[(text.LastIndexOf('\n') + 1)..];
            if (!ChainedRecord.TryParse(lastLine, out var last, out var error))
            {
                throw new InvalidOperationException($"The last record of '{file}' cannot be read ({error}); the chain cannot continue. Run 'msil-mcp audit verify --files' on the directory.");
            }

            Volatile.Write(ref _sequence, last.Sequence);
            SetPreviousHash(last.Hash);
            return;
        }
    }

    private static AuditUnavailableException Unavailable(Exception cause) => new("The audit log cannot be written: " + cause.Message, cause);

    private void SetPreviousHash(string hash)
    {
        if (hash.Length != AuditLineWriter.HashLength || Encoding.UTF8.GetBytes(hash, _previousHash) != AuditLineWriter.HashLength)
        {
            throw new InvalidOperationException("The chain's last hash is not 64 hex digits; run 'msil-mcp audit verify --files' on the directory.");
        }
    }

    /// <summary>The records of one write: a lone call's or the writer loop's batch (structs, so the lone call allocates none).</summary>
    private interface IBatch
    {
        int Count { get; }

        AuditRecord? RecordAt(int index);

        void Succeed();

        /// <summary>Fails every caller of the batch; returns how many records it held and, in <paramref name="lostQueued"/>, how many no caller waits for.</summary>
        int Fail(Exception cause, out int lostQueued);
    }

    private struct Lone(AuditRecord record) : IBatch
    {
        public AuditUnavailableException? Failure { get; private set; }

        public readonly int Count => 1;

        public readonly AuditRecord? RecordAt(int index) => record;

        public readonly void Succeed()
        {
        }

        public int Fail(Exception cause, out int lostQueued)
        {
            Failure = Unavailable(cause);
            lostQueued = 0;
            return 1;
        }
    }

    private readonly struct Queued(List<Pending> items) : IBatch
    {
        public int Count => items.Count;

        public AuditRecord? RecordAt(int index) => items[index].Record;

        public void Succeed()
        {
            foreach (var item in items)
            {
                item.Written?.TrySetResult();
            }
        }

        public int Fail(Exception cause, out int lostQueued)
        {
            lostQueued = 0;
            var records = 0;
            foreach (var item in items)
            {
                if (item.Record is not null)
                {
                    records++;
                    if (item.Written is null)
                    {
                        lostQueued++;
                    }
                }

                item.Written?.TrySetException(Unavailable(cause));
            }

            return records;
        }
    }

    private sealed record Pending(AuditRecord? Record, TaskCompletionSource? Written);
}
