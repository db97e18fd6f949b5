namespace Msil.Mcp.Tests.Infrastructure;

/// <summary>
/// Real servers started by build/test.sh (build/services/start.sh) on loopback. A test that needs one fails, never
/// skips, when its variable is missing, and says how to provide it.
/// </summary>
internal static class TestServices
{
    public static string Require(string variable) => Msil.Mcp.TestSupport.TestServiceContainers.Require(variable);

    public static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
