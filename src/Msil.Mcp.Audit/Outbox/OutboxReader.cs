using System.Buffers;
using System.Text;

namespace Msil.Mcp.Audit.Outbox;

/// <summary>
/// Reads the chain files of an audit directory in sequence order from a given record on, returning only complete
/// lines (the writer may be appending to the last file). Positions are kept as a file and a byte offset, so a reader
/// that keeps up reads each byte once.
/// </summary>
internal sealed class OutboxReader
{
    private const int ChunkBytes = 256 * 1024;
    private readonly string _directory;
    private string? _file;
    private long _offset;
    private long _nextSequence = 1;

    public OutboxReader(string directory)
    {
        _directory = directory;
    }

    /// <summary>Gets the sequence number of the next record <see cref="Read"/> returns.</summary>
    public long NextSequence => _nextSequence;

    /// <summary>Positions the reader so that the next record read is <paramref name="sequence"/> + 1.</summary>
    /// <exception cref="InvalidDataException">The outbox no longer (or not yet) holds that record.</exception>
    public void SeekAfter(long sequence)
    {
        var target = sequence + 1;
        string? chosen = null;
        foreach (var file in AuditLogVerifier.ChainFiles(_directory))
        {
            var first = FirstSequence(file);
            if (first is null)
            {
                continue;
            }

            if (first > target)
            {
                break;
            }

            chosen = file;
        }

        _nextSequence = target;
        if (chosen is null)
        {
            var firstFile = AuditLogVerifier.ChainFiles(_directory).Select(FirstSequence).FirstOrDefault(s => s is not null);
            if (firstFile is { } first && first > target)
            {
                throw new InvalidDataException($"The outbox starts at record {first}; record {target} is no longer there.");
            }

            _file = null;
            _offset = 0;
            return;
        }

        _file = chosen;
        _offset = 0;
        using var stream = Open(chosen);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        long offset = 0;
        while (reader.ReadLine() is { } line)
        {
            if (!ChainedRecord.TryParse(line, out var record, out _) || record.Sequence >= target)
            {
                // The record wanted, or a line still being written (or unreadable, which Read reports).
                break;
            }

            offset += Encoding.UTF8.GetByteCount(line) + 1;
        }

        _offset = offset;
    }

    /// <summary>Appends up to <paramref name="max"/> complete records to <paramref name="into"/>; returns how many.</summary>
    /// <exception cref="InvalidDataException">A line cannot be read as a chained record.</exception>
    public int Read(List<ChainedRecord> into, int max)
    {
        var count = 0;
        while (count < max)
        {
            if (_file is null)
            {
                _file = AuditLogVerifier.ChainFiles(_directory).FirstOrDefault();
                _offset = 0;
                if (_file is null)
                {
                    return count;
                }
            }

            var read = ReadFrom(_file, into, max - count);
            count += read;
            if (count >= max)
            {
                return count;
            }

            // End of this file's complete lines: move on only when a later file exists (the writer never returns to an
            // earlier file) and this one has nothing left, torn or not.
            var next = AuditLogVerifier.ChainFiles(_directory).FirstOrDefault(f => string.CompareOrdinal(f, _file) > 0);
            if (next is null || new FileInfo(_file).Length > _offset)
            {
                return count;
            }

            _file = next;
            _offset = 0;
        }

        return count;
    }

    private int ReadFrom(string file, List<ChainedRecord> into, int max)
    {
        using var stream = Open(file);
        if (stream.Length <= _offset)
        {
            return 0;
        }

        stream.Seek(_offset, SeekOrigin.Begin);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            return ReadLines(file, stream, buffer, into, max);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private int ReadLines(string file, FileStream stream, byte[] buffer, List<ChainedRecord> into, int max)
    {
        using var pending = new MemoryStream();
        var count = 0;
        int n;
        while (count < max && (n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < n && count < max; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                pending.Write(buffer, start, i - start);
                var lineBytes = pending.GetBuffer().AsSpan(0, (int)pending.Length);
                var line = Encoding.UTF8.GetString(lineBytes);
                if (!ChainedRecord.TryParse(line, out var record, out var error))
                {
                    throw new InvalidDataException($"{Path.GetFileName(file)} at byte {_offset}: {error}");
                }

                into.Add(record);
                _offset += lineBytes.Length + 1;
                _nextSequence = record.Sequence + 1;
                pending.SetLength(0);
                start = i + 1;
                count++;
            }

            if (count < max)
            {
                pending.Write(buffer, start, n - start);
            }
        }

        return count;
    }

    private static FileStream Open(string file)
        => new(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.SequentialScan);

    private static long? FirstSequence(string file)
    {
        using var stream = Open(file);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        var line = reader.ReadLine();
        return line is not null && ChainedRecord.TryParse(line, out var record, out _) ? record.Sequence : null;
    }
}
