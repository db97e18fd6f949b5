using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Msil.Mcp.Benchmarks.Http;

/// <summary>
/// <c>drive-mcp</c>: a raw-HTTP MCP load driver that costs little CPU per call, for servers wrk cannot drive (the Node peer
/// of build/bench-http.sh answers a POSTed request with 202 and sends the reply on the session's GET SSE stream). Each
/// session runs <c>initialize</c> (keeping <c>Mcp-Session-Id</c> when the server gives one),
/// <c>notifications/initialized</c>, opens the GET SSE stream when the server uses sessions, finds the tool with one
/// <c>tools/list</c>, then calls it in a closed loop (one call in flight per session), optionally paced to a total rate.
/// A reply is read from the POST's own answer (<c>application/json</c> or a <c>text/event-stream</c> body) or, on 202,
/// from the GET stream, matched by JSON-RPC id. Ids are unique across the driver's sessions (the Node peer routes
/// replies by id across all its sessions). A reply with <c>isError: true</c>, a JSON-RPC error, a non-2xx status, a
/// malformed reply or a call that outlives the read timeout counts as an error.
/// </summary>
/// <remarks>
/// Usage: <c>drive-mcp &lt;url&gt; &lt;tool-substring&gt; &lt;sessions&gt; &lt;seconds&gt; &lt;rate&gt; [bearer-token]</c>
/// (rate: calls per second over all sessions, 0 = as fast as it can). Prints one line,
/// <c>calls=N errors=E driver_cpu_us=C driver_alloc_b=A</c> (C and A: this process's CPU time and allocation across the
/// call loops), like
/// build/bench/node-driver.mjs, whose first two fields it shares. Exits 1 when a session cannot be set up.
/// </remarks>
internal sealed class McpLoadDriver : IDisposable
{
    private const string ClientProtocolVersion = "2025-11-25";

    private readonly HttpMessageInvoker _http;
    private readonly Uri _endpoint;
    private readonly string? _authorization;

    /// <summary>Creates a driver for one MCP endpoint; its connections are pooled across the sessions it runs.</summary>
    /// <param name="endpoint">The MCP endpoint, e.g. <c>http://127.0.0.1:5326/mcp</c>.</param>
    /// <param name="bearerToken">A bearer token sent with every request, or <see langword="null"/>.</param>
    /// <param name="readTimeout">How long any one exchange (a call and its reply, a set-up step) may take.</param>
    public McpLoadDriver(Uri endpoint, string? bearerToken, TimeSpan readTimeout)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _endpoint = endpoint;
        _authorization = string.IsNullOrEmpty(bearerToken) ? null : "Bearer " + bearerToken;
        ReadTimeout = readTimeout;
        _http = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = int.MaxValue,
            ConnectTimeout = readTimeout,
            // No trace headers: the driver has no activity to propagate, and the servers should not see one.
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
        });
    }

    /// <summary>How long any one exchange may take before it counts as an error.</summary>
    public TimeSpan ReadTimeout { get; }

    /// <summary>The <c>drive-mcp</c> command line: runs the driver and prints <c>calls=N errors=E driver_cpu_us=C driver_alloc_b=A</c>.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length is < 5 or > 6
            || !Uri.TryCreate(args[0], UriKind.Absolute, out var endpoint)
            || !int.TryParse(args[2], CultureInfo.InvariantCulture, out var sessions) || sessions < 1
            || !double.TryParse(args[3], CultureInfo.InvariantCulture, out var seconds) || seconds <= 0
            || !double.TryParse(args[4], CultureInfo.InvariantCulture, out var rate) || rate < 0)
        {
            await Console.Error.WriteLineAsync("usage: drive-mcp <url> <tool-substring> <sessions> <seconds> <rate, 0 = flat out> [bearer-token]");
            return 2;
        }

        using var driver = new McpLoadDriver(endpoint, args.Length == 6 ? args[5] : null, TimeSpan.FromSeconds(10));
        // The whole run is bounded too: set-up, the loops, the last calls' timeouts and the session teardown.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(seconds) + 4 * driver.ReadTimeout);
        try
        {
            var result = await driver.RunAsync(args[1], sessions, TimeSpan.FromSeconds(seconds), rate, bound.Token);
            Console.WriteLine(FormattableString.Invariant(
                $"calls={result.Calls} errors={result.Errors} driver_cpu_us={(long)result.DriverCpu.TotalMicroseconds} driver_alloc_b={result.DriverAllocated}"));
            return 0;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or OperationCanceledException or JsonException)
        {
            await Console.Error.WriteLineAsync("drive-mcp: " + e.Message);
            return 1;
        }
    }

    /// <summary>
    /// Sets up <paramref name="sessions"/> sessions, calls the first tool whose name contains
    /// <paramref name="toolMatch"/> (and not "post") from each for <paramref name="duration"/>, and ends the sessions.
    /// </summary>
    /// <param name="toolMatch">A case-insensitive substring of the tool's name.</param>
    /// <param name="sessions">How many sessions call at once, each with one call in flight.</param>
    /// <param name="duration">How long the sessions start new calls; the calls in flight at the end are awaited.</param>
    /// <param name="rate">Calls per second over all sessions, or 0 for as fast as the server answers.</param>
    /// <param name="cancellationToken">Ends the run early (the counts so far are returned).</param>
    /// <returns>The calls answered without error, the errors, and this process's CPU time across the loops.</returns>
    /// <exception cref="InvalidOperationException">A session could not be set up, or no tool matches.</exception>
    public async Task<McpLoadResult> RunAsync(string toolMatch, int sessions, TimeSpan duration, double rate, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(toolMatch);
        ArgumentOutOfRangeException.ThrowIfLessThan(sessions, 1);
        var all = new Session[sessions];
        for (var i = 0; i < sessions; i++)
        {
            all[i] = new Session(this, i, cancellationToken);
        }

        try
        {
            await Task.WhenAll(all.Select(s => s.ConnectAsync(toolMatch))).ConfigureAwait(false);
            var cpu0 = Environment.CpuUsage.TotalTime;
            var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
            var start = Stopwatch.GetTimestamp();
            var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            // Pacing: each session calls every `interval` ticks, the sessions staggered across one interval.
            var interval = rate > 0 ? (long)(Stopwatch.Frequency * sessions / rate) : 0;
            await Task.WhenAll(all.Select(s => s.LoopAsync(start + interval * s.Index / sessions, interval, end))).ConfigureAwait(false);
            var cpu = Environment.CpuUsage.TotalTime - cpu0;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
            return new McpLoadResult(all.Sum(s => s.Calls), all.Sum(s => s.Errors), cpu, allocated);
        }
        finally
        {
            await Task.WhenAll(all.Select(s => s.CloseAsync())).ConfigureAwait(false);
            foreach (var s in all)
            {
                s.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>What one JSON-RPC message is, read without allocating: a response (and its id), and whether it reports an error.</summary>
    internal readonly record struct JsonRpcMessage(bool IsResponse, long Id, bool IsError);

    /// <summary>
    /// Reads a JSON-RPC message's <c>id</c>, whether it is a response (<c>result</c> or <c>error</c>, no <c>method</c>) and
    /// whether it reports an error (<c>error</c>, or <c>result.isError: true</c>).
    /// </summary>
    /// <exception cref="JsonException">The message is not JSON.</exception>
    internal static JsonRpcMessage Classify(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return default;
        }

        long id = -1;
        bool hasResult = false, isError = false, hasMethod = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
                {
                    id = value;
                }
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                hasResult = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isErrorProperty = reader.ValueTextEquals("isError"u8);
                    reader.Read();
                    if (isErrorProperty)
                    {
                        isError |= reader.TokenType == JsonTokenType.True;
                    }

                    reader.Skip();
                }
            }
            else
            {
                var property = reader.ValueTextEquals("error"u8) ? 1 : reader.ValueTextEquals("method"u8) ? 2 : 0;
                hasResult |= property == 1;
                isError |= property == 1;
                hasMethod |= property == 2;
                reader.Read();
                reader.Skip();
            }
        }

        return new JsonRpcMessage(hasResult && !hasMethod, id, isError);
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string? sessionId, string? protocolVersion, string accept)
    {
        var request = new HttpRequestMessage(method, _endpoint) { Version = HttpVersion.Version11 };
        var headers = request.Headers;
        headers.TryAddWithoutValidation("Accept", accept);
        if (protocolVersion is not null)
        {
            headers.TryAddWithoutValidation("MCP-Protocol-Version", protocolVersion);
        }

        if (sessionId is not null)
        {
            headers.TryAddWithoutValidation("Mcp-Session-Id", sessionId);
        }

        if (_authorization is not null)
        {
            headers.TryAddWithoutValidation("Authorization", _authorization);
        }

        return request;
    }

    /// <summary>One MCP session: its set-up, its call loop, its GET stream (when the server keeps sessions) and its counts.</summary>
    private sealed class Session : IDisposable
    {
        private const string Accept = "application/json, text/event-stream";
        private readonly McpLoadDriver _driver;
        private readonly CancellationTokenSource _lifetime;
        private readonly long _idBase;
        private readonly MessageReader _postReader = new();
        private CancellationTokenSource _call;
        private string? _sessionId;
        private string? _protocolVersion;
        private Task? _getStream;
        private volatile bool _getStreamEnded;
        private long _nextId;
        private byte[] _body = [];
        private int _bodyPrefixLength;
        private byte[] _bodySuffix = [];
        // The reply the GET stream should hand over: armed before the POST is sent (the reply may arrive before the 202).
        private TaskCompletionSource<Reply>? _pending;
        private long _pendingId = -1;
        private bool _pendingWantsJson;

        public Session(McpLoadDriver driver, int index, CancellationToken cancellationToken)
        {
            _driver = driver;
            Index = index;
            // Ids unique across the driver's sessions: index 0 uses 1_000_000_000…, index 1 2_000_000_000…
            _idBase = (index + 1L) * 1_000_000_000L;
            _lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _call = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        }

        public int Index { get; }

        public long Calls { get; private set; }

        public long Errors { get; private set; }

        public async Task ConnectAsync(string toolMatch)
        {
            var init = await ExchangeAsync(
                """{"jsonrpc":"2.0","id":""" + _idBase.ToString(CultureInfo.InvariantCulture)
                    + ""","method":"initialize","params":{"protocolVersion":""" + JsonSerializer.Serialize(ClientProtocolVersion)
                    + ""","capabilities":{},"clientInfo":{"name":"msil-bench-driver","version":"1.0"}}}""",
                _idBase, captureSession: true).ConfigureAwait(false);
            using (var document = JsonDocument.Parse(init))
            {
                if (!document.RootElement.TryGetProperty("result", out var result))
                {
                    throw new InvalidOperationException("initialize was refused: " + Encoding.UTF8.GetString(init));
                }

                _protocolVersion = result.TryGetProperty("protocolVersion", out var version) ? version.GetString() : ClientProtocolVersion;
            }

            await NotifyAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""").ConfigureAwait(false);
            if (_sessionId is not null)
            {
                await OpenGetStreamAsync().ConfigureAwait(false);
            }

            var list = await ExchangeAsync(
                """{"jsonrpc":"2.0","id":""" + (_idBase + 1).ToString(CultureInfo.InvariantCulture) + ""","method":"tools/list","params":{}}""",
                _idBase + 1, captureSession: false).ConfigureAwait(false);
            string? tool = null;
            var names = new List<string>();
            using (var document = JsonDocument.Parse(list))
            {
                if (document.RootElement.TryGetProperty("result", out var result) && result.TryGetProperty("tools", out var tools))
                {
                    foreach (var t in tools.EnumerateArray())
                    {
                        var name = t.GetProperty("name").GetString() ?? string.Empty;
                        names.Add(name);
                        if (tool is null && name.Contains(toolMatch, StringComparison.OrdinalIgnoreCase) && !name.Contains("post", StringComparison.OrdinalIgnoreCase))
                        {
                            tool = name;
                        }
                    }
                }
            }

            if (tool is null)
            {
                throw new InvalidOperationException($"no tool matching '{toolMatch}' among: {string.Join(", ", names)}");
            }

            // The call's body, written once: prefix, then the id's digits at each call, then the suffix.
            var prefix = """{"jsonrpc":"2.0","id":"""u8;
            _bodySuffix = Encoding.UTF8.GetBytes(
                ""","method":"tools/call","params":{"name":""" + JsonSerializer.Serialize(tool) + ""","arguments":{}}}""");
            _body = new byte[prefix.Length + 20 + _bodySuffix.Length];
            prefix.CopyTo(_body);
            _bodyPrefixLength = prefix.Length;
            _nextId = _idBase + 2;
        }

        public async Task LoopAsync(long next, long interval, long end)
        {
            while (!_lifetime.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                if (now >= end)
                {
                    return;
                }

                if (interval > 0)
                {
                    // A timer may fire a little early (it counts whole milliseconds): wait until the schedule says so.
                    while (now < next)
                    {
                        try
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(Stopwatch.GetElapsedTime(now, next).TotalMilliseconds)), _lifetime.Token)
                                .ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            return;
                        }

                        now = Stopwatch.GetTimestamp();
                    }

                    if (now >= end)
                    {
                        return;
                    }

                    next += interval;
                }

                bool isError;
                try
                {
                    isError = await CallAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or JsonException or InvalidOperationException)
                {
                    isError = true;
                    ResetCallTimeout(force: true);
                }

                if (isError)
                {
                    Errors++;
                }
                else
                {
                    Calls++;
                }

                if (_getStreamEnded)
                {
                    return; // The server closed the session's stream: no further reply can arrive.
                }
            }
        }

        public async Task CloseAsync()
        {
            var getStream = _getStream;
            if (_sessionId is not null && !_lifetime.IsCancellationRequested)
            {
                // Ends the session on the server (and its GET stream); best effort, bounded.
                try
                {
                    using var timeout = new CancellationTokenSource(_driver.ReadTimeout);
                    using var request = _driver.NewRequest(HttpMethod.Delete, _sessionId, _protocolVersion, Accept);
                    using var response = await _driver._http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
                {
                }
            }

            await _lifetime.CancelAsync().ConfigureAwait(false);
            if (getStream is not null)
            {
                try
                {
                    await getStream.ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or JsonException)
                {
                }
            }
        }

        public void Dispose()
        {
            _call.Dispose();
            _lifetime.Dispose();
        }

        /// <summary>One tools/call: returns whether its reply reports an error.</summary>
        private async ValueTask<bool> CallAsync()
        {
            var id = _nextId++;
            Utf8Formatter.TryFormat(id, _body.AsSpan(_bodyPrefixLength), out var digits);
            _bodySuffix.CopyTo(_body.AsSpan(_bodyPrefixLength + digits));
            var reply = await SendAsync(_body.AsMemory(0, _bodyPrefixLength + digits + _bodySuffix.Length), id, wantsJson: false, captureSession: false)
                .ConfigureAwait(false);
            return reply.IsError;
        }

        /// <summary>A set-up request: returns its reply's JSON.</summary>
        private async Task<byte[]> ExchangeAsync(string json, long id, bool captureSession)
        {
            try
            {
                var reply = await SendAsync(Encoding.UTF8.GetBytes(json), id, wantsJson: true, captureSession).ConfigureAwait(false);
                return reply.Json!;
            }
            catch (OperationCanceledException) when (!_lifetime.IsCancellationRequested)
            {
                throw new InvalidOperationException($"no reply to request {id} within {_driver.ReadTimeout.TotalSeconds:0.#} s");
            }
        }

        private async ValueTask<Reply> SendAsync(ReadOnlyMemory<byte> body, long id, bool wantsJson, bool captureSession)
        {
            _call.CancelAfter(_driver.ReadTimeout);
            var token = _call.Token;
            TaskCompletionSource<Reply>? pending = null;
            if (_getStream is not null)
            {
                pending = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
                _pendingWantsJson = wantsJson;
                Volatile.Write(ref _pendingId, id);
                Volatile.Write(ref _pending, pending);
            }

            try
            {
                using var request = _driver.NewRequest(HttpMethod.Post, _sessionId, _protocolVersion, Accept);
                request.Content = new ReadOnlyMemoryContent(body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
                using var response = await _driver._http.SendAsync(request, token).ConfigureAwait(false);
                if (captureSession && response.Headers.NonValidated.TryGetValues("Mcp-Session-Id", out var session))
                {
                    _sessionId = session.ToString();
                }

                Reply reply;
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    if (pending is null)
                    {
                        throw new InvalidOperationException($"request {id} was answered 202 but the server gave no session to stream the reply on");
                    }

                    reply = await pending.Task.WaitAsync(token).ConfigureAwait(false);
                }
                else
                {
                    var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                    _postReader.Reset(stream);
                    if (!response.IsSuccessStatusCode)
                    {
                        await _postReader.ReadToEndAsync(token).ConfigureAwait(false);
                        if (wantsJson)
                        {
                            throw new InvalidOperationException(
                                $"request {id} was answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(_postReader.Data.Span)}");
                        }

                        reply = new Reply(true, null);
                    }
                    else if (response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var type)
                        && type.ToString().StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
                    {
                        reply = await ReadSseReplyAsync(_postReader, id, wantsJson, token).ConfigureAwait(false);
                    }
                    else
                    {
                        await _postReader.ReadToEndAsync(token).ConfigureAwait(false);
                        reply = ToReply(_postReader.Data.Span, id, wantsJson)
                            ?? throw new InvalidOperationException($"the answer to request {id} is not its reply");
                    }
                }

                ResetCallTimeout(force: false);
                return reply;
            }
            finally
            {
                if (pending is not null)
                {
                    Volatile.Write(ref _pending, null);
                }
            }
        }

        private static async ValueTask<Reply> ReadSseReplyAsync(MessageReader reader, long id, bool wantsJson, CancellationToken cancellationToken)
        {
            while (await reader.ReadEventAsync(cancellationToken).ConfigureAwait(false))
            {
                if (ToReply(reader.Data.Span, id, wantsJson) is { } reply)
                {
                    return reply;
                }
            }

            throw new IOException($"the event stream ended before the reply to request {id}");
        }

        private static Reply? ToReply(ReadOnlySpan<byte> json, long id, bool wantsJson)
        {
            var message = Classify(json);
            return message.IsResponse && message.Id == id ? new Reply(message.IsError, wantsJson ? json.ToArray() : null) : null;
        }

        private void ResetCallTimeout(bool force)
        {
            if (force || !_call.TryReset())
            {
                _call.Dispose();
                _call = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
            }
        }

        private async Task NotifyAsync(string json)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
            timeout.CancelAfter(_driver.ReadTimeout);
            using var request = _driver.NewRequest(HttpMethod.Post, _sessionId, _protocolVersion, Accept);
            request.Content = new ReadOnlyMemoryContent(Encoding.UTF8.GetBytes(json));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            using var response = await _driver._http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"notifications/initialized was answered {(int)response.StatusCode}");
            }
        }

        /// <summary>
        /// Opens the session's GET SSE stream and reads it in the background. It waits for the stream's headers at most a
        /// moment: a server may hold them back until its first event (the Node peer writes them with the first reply).
        /// </summary>
        private async Task OpenGetStreamAsync()
        {
            var opened = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _getStream = ReadGetStreamAsync(opened);
            await Task.WhenAny(opened.Task, Task.Delay(TimeSpan.FromMilliseconds(200), _lifetime.Token)).ConfigureAwait(false);
            if (opened.Task.IsCompleted && !await opened.Task.ConfigureAwait(false))
            {
                _getStream = null; // The server offers no GET stream (405): every reply must come in its POST's answer.
            }
        }

        private async Task ReadGetStreamAsync(TaskCompletionSource<bool> opened)
        {
            var reader = new MessageReader();
            var streaming = false;
            try
            {
                using var request = _driver.NewRequest(HttpMethod.Get, _sessionId, _protocolVersion, "text/event-stream");
                using var response = await _driver._http.SendAsync(request, _lifetime.Token).ConfigureAwait(false);
                streaming = response.IsSuccessStatusCode;
                opened.TrySetResult(streaming);
                if (!streaming)
                {
                    return;
                }

                reader.Reset(await response.Content.ReadAsStreamAsync(_lifetime.Token).ConfigureAwait(false));
                while (await reader.ReadEventAsync(_lifetime.Token).ConfigureAwait(false))
                {
                    var message = Classify(reader.Data.Span);
                    var pending = Volatile.Read(ref _pending);
                    if (message.IsResponse && pending is not null && message.Id == Volatile.Read(ref _pendingId))
                    {
                        Volatile.Write(ref _pending, null);
                        pending.TrySetResult(new Reply(message.IsError, _pendingWantsJson ? reader.Data.ToArray() : null));
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or JsonException)
            {
                opened.TrySetResult(false);
            }
            finally
            {
                if (streaming)
                {
                    _getStreamEnded = true;
                    Volatile.Read(ref _pending)?.TrySetException(new IOException("the session's GET stream ended"));
                }
            }
        }

        private readonly record struct Reply(bool IsError, byte[]? Json);
    }

    /// <summary>
    /// Reads a response body into reusable buffers: all of it (a JSON answer), or one server-sent event at a time (the
    /// event's <c>data</c> lines joined by newlines; other fields are ignored).
    /// </summary>
    internal sealed class MessageReader
    {
        private Stream? _stream;
        private byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;
        private byte[] _data = new byte[16 * 1024];
        private int _dataLength;

        /// <summary>The body read by <see cref="ReadToEndAsync"/>, or the last event's data; valid until the next read.</summary>
        public ReadOnlyMemory<byte> Data => _data.AsMemory(0, _dataLength);

        /// <summary>Starts reading <paramref name="stream"/>, dropping what was buffered from the previous one.</summary>
        public void Reset(Stream stream)
        {
            _stream = stream;
            _start = _end = _dataLength = 0;
        }

        /// <summary>Reads the rest of the stream into <see cref="Data"/>.</summary>
        public async ValueTask ReadToEndAsync(CancellationToken cancellationToken)
        {
            _dataLength = _end - _start;
            Grow(ref _data, _dataLength);
            _buffer.AsSpan(_start, _dataLength).CopyTo(_data);
            _start = _end = 0;
            while (true)
            {
                Grow(ref _data, _dataLength + 4096);
                var read = await _stream!.ReadAsync(_data.AsMemory(_dataLength), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                _dataLength += read;
            }
        }

        /// <summary>Reads the next event into <see cref="Data"/>; false when the stream ended first.</summary>
        public async ValueTask<bool> ReadEventAsync(CancellationToken cancellationToken)
        {
            _dataLength = 0;
            var hasData = false;
            while (true)
            {
                if (TakeLines(ref hasData))
                {
                    return true;
                }

                if (_start > 0)
                {
                    _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                    _end -= _start;
                    _start = 0;
                }

                if (_end == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                var read = await _stream!.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return false; // An event the stream's end cut off is not dispatched (as the SSE spec says).
                }

                _end += read;
            }
        }

        /// <summary>Consumes the complete lines buffered; true when a blank line ended an event that carried data.</summary>
        private bool TakeLines(ref bool hasData)
        {
            while (true)
            {
                var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (newline < 0)
                {
                    return false;
                }

                var line = _buffer.AsSpan(_start, newline);
                _start += newline + 1;
                if (line.EndsWith("\r"u8))
                {
                    line = line[..^1];
                }

                if (line.IsEmpty)
                {
                    if (hasData)
                    {
                        return true;
                    }

                    continue;
                }

                if (!line.StartsWith("data:"u8))
                {
                    continue; // event:, id:, retry: and comments
                }

                var value = line[5..];
                if (value.StartsWith(" "u8))
                {
                    value = value[1..];
                }

                Grow(ref _data, _dataLength + value.Length + 1);
                if (hasData)
                {
                    _data[_dataLength++] = (byte)'\n';
                }

                value.CopyTo(_data.AsSpan(_dataLength));
                _dataLength += value.Length;
                hasData = true;
            }
        }

        private static void Grow(ref byte[] array, int needed)
        {
            if (array.Length < needed)
            {
                Array.Resize(ref array, Math.Max(needed, array.Length * 2));
            }
        }
    }
}

/// <summary>What a <see cref="McpLoadDriver"/> run counted.</summary>
/// <param name="Calls">Calls answered without error.</param>
/// <param name="Errors">Calls answered with an error, or not answered in time.</param>
/// <param name="DriverCpu">This process's CPU time (all threads) across the call loops.</param>
/// <param name="DriverAllocated">The bytes this process allocated across the call loops.</param>
internal readonly record struct McpLoadResult(long Calls, long Errors, TimeSpan DriverCpu, long DriverAllocated);
