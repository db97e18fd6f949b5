namespace Msil.Mcp.Abstractions;

/// <summary>How much harm a tool can do; drives policy, elevation and the MCP annotations.</summary>
public enum RiskLevel
{
    /// <summary>Reads data and changes nothing.</summary>
    Read = 0,

    /// <summary>Changes data within the caller's normal authority.</summary>
    Write = 1,

    /// <summary>Needs a time-limited elevation grant on top of policy (seed §4.2).</summary>
    Privileged = 2,
}

/// <summary>Parses and formats <see cref="RiskLevel"/> in the lower-case wire form (<c>read</c>, <c>write</c>, <c>privileged</c>).</summary>
public static class RiskLevels
{
    /// <summary>Returns the wire form of <paramref name="level"/>.</summary>
    /// <param name="level">The risk level.</param>
    /// <returns><c>read</c>, <c>write</c> or <c>privileged</c>.</returns>
    public static string ToWire(this RiskLevel level) => level switch
    {
        RiskLevel.Read => "read",
        RiskLevel.Write => "write",
        _ => "privileged",
    };

    /// <summary>Parses the wire form, case-insensitively.</summary>
    /// <param name="value">The text to parse.</param>
    /// <param name="level">The parsed level when the method returns <see langword="true"/>.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> names a risk level.</returns>
    public static bool TryParse(string? value, out RiskLevel level)
    {
        switch (value?.Trim().ToUpperInvariant())
        {
            case "READ":
                level = RiskLevel.Read;
                return true;
            case "WRITE":
                level = RiskLevel.Write;
                return true;
            case "PRIVILEGED":
                level = RiskLevel.Privileged;
                return true;
            default:
                level = RiskLevel.Read;
                return false;
        }
    }
}
