namespace Msil.Mcp.IntegrationTests.Infrastructure;

/// <summary>
/// Real servers started by build/test.sh (build/services/start.sh) on loopback. A test that needs one fails, never
/// skips, when its variable is missing, and says how to provide it.
/// </summary>
public static class TestServices
{
    public static string Require(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{variable} is not set. Run the tests through build/test.sh, or start the services with " +
                $"`eval \"$(bash build/services/start.sh)\"` and run dotnet test in the same shell.");
        }

        return value;
    }
}
