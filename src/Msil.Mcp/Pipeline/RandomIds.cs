using System.Security.Cryptography;

namespace Msil.Mcp.Pipeline;

/// <summary>
/// 128-bit random ids as 32 lowercase hex digits (the request's correlation id, a call's idempotency key), from the
/// operating system's cryptographic generator like <see cref="Guid.NewGuid"/>, but read 16 ids at a time into a
/// buffer of the thread's: <see cref="Guid.NewGuid"/> asks the kernel once per id, which was about 1 % of the governed
/// echo's CPU for its two ids per call (issue #18). The bytes of an id are cleared from the buffer once formatted, so
/// the buffer never holds an id already handed out.
/// </summary>
internal static class RandomIds
{
    private const int IdBytes = 16;
    private const int BufferBytes = IdBytes * 16;

    [ThreadStatic]
    private static byte[]? t_buffer;

    [ThreadStatic]
    private static int t_next;

    /// <summary>Returns a new id: <paramref name="prefix"/> and 32 lowercase hex digits.</summary>
    /// <param name="prefix">Text before the digits (may be empty).</param>
    public static string New(string prefix = "")
    {
        var buffer = t_buffer ??= new byte[BufferBytes];
        var next = t_next;
        if (next == 0)
        {
            RandomNumberGenerator.Fill(buffer);
        }

        var bytes = buffer.AsSpan(next, IdBytes);
        t_next = (next + IdBytes) % BufferBytes;
        var id = string.Create(prefix.Length + (IdBytes * 2), (prefix, buffer, next), static (span, s) =>
        {
            s.prefix.CopyTo(span);
            Convert.TryToHexStringLower(s.buffer.AsSpan(s.next, IdBytes), span[s.prefix.Length..], out _);
        });
        bytes.Clear();
        return id;
    }

    /// <summary>
    /// Returns a new version 7 UUID for <paramref name="timestamp"/> as 32 lowercase hex digits: the same layout and
    /// text as <c>Guid.CreateVersion7(timestamp).ToString("N")</c> (48-bit Unix milliseconds, version 7, the RFC 9562
    /// variant, 74 random bits), without the kernel call <see cref="Guid.NewGuid"/> makes for its random bits.
    /// </summary>
    /// <param name="timestamp">The time the id orders by.</param>
    public static string NewVersion7(DateTimeOffset timestamp)
    {
        var buffer = t_buffer ??= new byte[BufferBytes];
        var next = t_next;
        if (next == 0)
        {
            RandomNumberGenerator.Fill(buffer);
        }

        t_next = (next + IdBytes) % BufferBytes;
        Span<byte> uuid = stackalloc byte[IdBytes];
        var random = buffer.AsSpan(next, IdBytes);
        random.CopyTo(uuid);
        random.Clear();
        var milliseconds = timestamp.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            uuid[i] = (byte)milliseconds;
            milliseconds >>= 8;
        }

        uuid[6] = (byte)(0x70 | (uuid[6] & 0x0F));
        uuid[8] = (byte)(0x80 | (uuid[8] & 0x3F));
        var id = Convert.ToHexStringLower(uuid);
        uuid.Clear();
        return id;
    }
}
