namespace Msil.Mcp.IntegrationTests.Infrastructure;

/// <summary>
/// Real servers started by build/test.sh (build/services/start.sh) on loopback. A test that needs one fails, never
/// skips, when its variable is missing, and says how to provide it.
/// </summary>
public static class TestServices
{
    public static string Require(string variable) => Msil.Mcp.TestSupport.TestServiceContainers.Require(variable);
}
