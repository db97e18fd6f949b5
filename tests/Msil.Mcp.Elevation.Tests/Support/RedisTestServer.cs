using System.Diagnostics;
using System.Net.Sockets;

namespace Msil.Mcp.Elevation.Tests.Support;

/// <summary>The shared test Redis (from <c>REDIS_CONNECTION_STRING</c>); tests fail, never skip, when it is missing.</summary>
internal static class SharedRedis
{
    public static string ConnectionString => Msil.Mcp.TestSupport.TestServiceContainers.Require("REDIS_CONNECTION_STRING", "a real Redis");

    /// <summary>A key prefix no other test uses.</summary>
    public static string UniquePrefix() => $"test:elevation:{Guid.NewGuid():N}:";
}

/// <summary>
/// A Redis server of this test's own on a free loopback port (no persistence), so a test can stop it without
/// disturbing the shared one. Needs <c>redis-server</c> on PATH (build/services/start.sh installs it).
/// </summary>
internal sealed class ThrowawayRedis : IDisposable
{
    private readonly Process _process;

    private ThrowawayRedis(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<ThrowawayRedis> StartAsync()
    {
        var executable = FindOnPath("redis-server")
            ?? throw new InvalidOperationException("redis-server is not on PATH: this test starts and stops a Redis of its own. Run build/services/start.sh once (it installs redis-server), or install the redis-server package.");
        var port = Msil.Mcp.Testing.LoopbackPorts.Free();
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", Path.GetTempPath(), "--loglevel", "warning" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new ThrowawayRedis(process, port);
        var deadline = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited at once with code {process.ExitCode} (port {port}).");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, TestContext.Current.CancellationToken);
                return redis;
            }
            catch (SocketException)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        redis.Dispose();
        throw new InvalidOperationException($"redis-server did not listen on 127.0.0.1:{port} within 10 s.");
    }

    /// <summary>Stops the server at once, as a crash would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
