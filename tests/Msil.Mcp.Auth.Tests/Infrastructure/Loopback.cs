namespace Msil.Mcp.Auth.Tests.Infrastructure;

internal static class Loopback
{
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
                return await start(Msil.Mcp.Testing.LoopbackPorts.Free());
            }
            catch (IOException ex) when (attempt < 5 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }
}
