using System.Net;
using System.Net.Sockets;

namespace Msil.Mcp.Testing;

/// <summary>Free loopback ports for hosts that must know their URL before they start (an issuer URL in their configuration).</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// Returns a loopback port that nothing listens on, picked below the usual ephemeral range (32768 and up), which
    /// port-0 binds and outgoing connections draw from, so neither can take it between this check and the caller's bind.
    /// A host that can bind port 0 and read its address afterwards (as <see cref="MsilMcpTestHost"/> does) needs none.
    /// </summary>
    /// <returns>The port.</returns>
    public static int Free()
    {
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
}
