using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Msil.Mcp.Browser.Tests.Infrastructure;

/// <summary>
/// The reference server (samples/Msil.Mcp.ReferenceServer) started from its build output as a child process on a free
/// loopback port, in Development, with its audit log and registry database in a fresh temporary folder; stopped by its
/// process id. Its console output goes to <c>artifacts/browser-tests/reference-server.log</c>.
/// </summary>
public sealed class ReferenceServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StreamWriter _log;

    private ReferenceServerProcess(Process process, StreamWriter log, string baseUrl, string dataDirectory)
    {
        _process = process;
        _log = log;
        BaseUrl = baseUrl;
        DataDirectory = dataDirectory;
    }

    /// <summary>Gets the server's base address, for example <c>http://127.0.0.1:23456</c>.</summary>
    public string BaseUrl { get; }

    /// <summary>Gets the folder holding this run's audit log and registry database.</summary>
    public string DataDirectory { get; }

    /// <summary>Gets the folder of the audit log (hash-chained JSON lines).</summary>
    public string AuditDirectory => Path.Combine(DataDirectory, "audit-logs");

    /// <summary>Gets the process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Starts the server and waits until <c>/health/ready</c> answers 200.</summary>
    /// <param name="cancellationToken">Bounds the start.</param>
    /// <param name="extraArguments">More command-line settings (for example the chat's model, <c>--Msil:Mcp:Chat:Models:0:Endpoint</c>).</param>
    public static async Task<ReferenceServerProcess> StartAsync(CancellationToken cancellationToken, IReadOnlyList<string>? extraArguments = null)
    {
        var dll = Path.Combine(ServerDirectory(), "Msil.Mcp.ReferenceServer.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"The reference server is not built ({dll} is missing): build tests/Msil.Mcp.Browser.Tests, which builds it first.");
        }

        Directory.CreateDirectory(ArtifactPaths.Root);
        var logPath = Path.Combine(ArtifactPaths.Root, "reference-server.log");
        for (var attempt = 1; ; attempt++)
        {
            var baseUrl = $"http://127.0.0.1:{Msil.Mcp.Testing.LoopbackPorts.Free()}";
            var data = Path.Combine(Path.GetTempPath(), "msil-mcp-browser-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(data);
            var start = new ProcessStartInfo("dotnet")
            {
                // The content root is the output folder (appsettings*.json, the static web assets manifest).
                WorkingDirectory = Path.GetDirectoryName(dll)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                dll, "--urls", baseUrl,
                "--Msil:Mcp:Audit:Directory", Path.Combine(data, "audit-logs"),
                "--Msil:Mcp:Registry:SqlitePath", Path.Combine(data, "msil-registry.db"),
            }.Concat(extraArguments ?? []))
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            start.Environment["DOTNET_ENVIRONMENT"] = "Development";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment.Remove("ASPNETCORE_URLS");

            var log = new StreamWriter(logPath, append: attempt > 1, Encoding.UTF8) { AutoFlush = true };
            await log.WriteLineAsync($"== attempt {attempt}: {baseUrl}");
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) => Write(log, e.Data);
            process.ErrorDataReceived += (_, e) => Write(log, e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new ReferenceServerProcess(process, log, baseUrl, data);
            if (await server.WaitReadyAsync(cancellationToken))
            {
                return server;
            }

            var exited = process.HasExited;
            await server.DisposeAsync();
            if (!exited || attempt >= 3 || !File.ReadAllText(logPath).Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The reference server did not answer {baseUrl}/health/ready with 200 within {StartTimeout.TotalSeconds} s (exited: {exited}); see {logPath}.");
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (InvalidOperationException)
        {
        }
        catch (OperationCanceledException)
        {
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task<bool> WaitReadyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(BaseUrl + "/health/ready", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        return false;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static string ServerDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("MSIL_REFERENCE_SERVER_DIR");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var relative = typeof(ReferenceServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "ReferenceServerDirectory").Value!;
        return Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, relative));
    }
}
