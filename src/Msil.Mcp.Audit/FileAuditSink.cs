using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Audit;

/// <summary>
/// The embedded audit sink: hash-chained JSON-lines files. Records leave the call path through a bounded channel to one
/// writer that assigns gap-free sequence numbers, chains hashes, writes in batches and flushes before acknowledging.
/// One chain per audit directory; the chain continues across restarts and file rotations.
/// </summary>
internal sealed class FileAuditSink : IAuditSink, IHostedService, IAsyncDisposable
{
    private readonly Channel<Pending> _queue;
    private readonly AuditOptions _options;
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger<FileAuditSink> _logger;
    private Task? _writer;
    private FileStream? _file;
    private string? _fileDay;
    private long _sequence;
    private string _previousHash = AuditRecordSerializer.Genesis;
    private Exception? _fault;

    public FileAuditSink(IOptions<AuditOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<FileAuditSink> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _directory = Path.GetFullPath(Path.Combine(environment.ContentRootPath, _options.Directory));
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string DirectoryPath => _directory;

    public async ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_fault is not null)
        {
            throw new AuditUnavailableException("The audit log cannot be written: " + _fault.Message, _fault);
        }

        var pending = new Pending(record, _options.Durability == AuditDurability.Flushed
            ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
            : null);
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new AuditUnavailableException("The audit log is closed (the host is stopping).", ex);
        }

        if (pending.Written is not null)
        {
            await pending.Written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory);
        RecoverChainState();
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.ConfigureAwait(false);
        }

        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(256);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 512 && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                foreach (var item in batch)
                {
                    var file = GetFile();
                    var (line, hash) = AuditRecordSerializer.Serialize(item.Record, _sequence + 1, _previousHash);
                    await file.WriteAsync(line).ConfigureAwait(false);
                    _sequence++;
                    _previousHash = hash;
                }

                await _file!.FlushAsync().ConfigureAwait(false);
                foreach (var item in batch)
                {
                    item.Written?.TrySetResult();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _fault = ex;
                Log.WriteFailed(_logger, _directory, ex.Message);
                foreach (var item in batch)
                {
                    item.Written?.TrySetException(new AuditUnavailableException("The audit log cannot be written: " + ex.Message, ex));
                }
            }
        }

        if (_file is not null)
        {
            await _file.FlushAsync().ConfigureAwait(false);
        }
    }

    private FileStream GetFile()
    {
        var day = _time.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        if (_file is not null && _fileDay == day && _file.Length < _options.MaxFileBytes)
        {
            return _file;
        }

        _file?.Flush();
        _file?.Dispose();
        var index = 0;
        string path;
        do
        {
            path = Path.Combine(_directory, $"audit-{day}-{index:D4}.jsonl");
            index++;
        }
        while (File.Exists(path) && new FileInfo(path).Length >= _options.MaxFileBytes);

        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.None);
        _fileDay = day;
        return _file;
    }

    /// <summary>Continues the chain from the last complete record; a torn last line (a crash mid-write, never acknowledged) is cut off.</summary>
    private void RecoverChainState()
    {
        var last = AuditLogVerifier.ChainFiles(_directory).LastOrDefault();
        if (last is null)
        {
            return;
        }

        var bytes = File.ReadAllBytes(last);
        var end = bytes.Length;
        if (end > 0 && bytes[end - 1] != (byte)'\n')
        {
            var lastNewline = Array.LastIndexOf(bytes, (byte)'\n');
            using (var fs = new FileStream(last, FileMode.Open, FileAccess.Write))
            {
                fs.SetLength(lastNewline + 1);
            }

            Log.TornRecordRemoved(_logger, last, end - (lastNewline + 1));
            end = lastNewline + 1;
        }

        var text = Encoding.UTF8.GetString(bytes, 0, end).TrimEnd('\n');
        var lastLine = text.Length == 0 ? null : text[(text.LastIndexOf('\n') + 1)..];
        if (lastLine is not null && AuditRecordSerializer.TryReadLine(lastLine, out var seq, out _, out var stored, out _))
        {
            _sequence = seq;
            _previousHash = stored;
        }
    }

    private sealed record Pending(AuditRecord Record, TaskCompletionSource? Written);
}
