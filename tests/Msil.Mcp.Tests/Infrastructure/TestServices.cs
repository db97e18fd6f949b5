namespace Msil.Mcp.Tests.Infrastructure;

/// <summary>
/// Real servers started by build/test.sh (build/services/start.sh) on loopback. A test that needs one fails, never
/// skips, when its variable is missing, and says how to provide it.
/// </summary>
internal static class TestServices
{
    public static string Require(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{variable} is not set. Run the tests through build/test.sh, or start the services with " +
                "`eval \"$(bash build/services/start.sh)\"` and run dotnet test in the same shell.");
        }

        return value;
    }

    public static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
