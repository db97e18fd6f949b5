using System.Net;
using System.Net.Sockets;

namespace Msil.Mcp.Auth.Tests.Infrastructure;

internal static class Loopback
{
    public static int FreePort()
    {
        // Picked below the OS's ephemeral range (32768 and up), which port-0 binds and outgoing connections draw from,
        // so the port cannot be taken by those between this check and the bind that follows it.
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20000, 32000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException) when (attempt < 100)
            {
            }
        }
    }

    /// <summary>
    /// Starts something that must know its own port before it starts (an issuer URL in its configuration) on a free
    /// loopback port, trying another port when the one picked was taken in between (other test projects bind ports
    /// in parallel).
    /// </summary>
    public static async Task<T> StartOnFreePortAsync<T>(Func<int, Task<T>> start)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start(FreePort());
            }
            catch (IOException ex) when (attempt < 5 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }
}
