namespace Msil.Mcp.Browser.Tests.Infrastructure;

/// <summary>Where Chromium is and whether the browser tests may be skipped (environment variables).</summary>
public static class BrowserSettings
{
    /// <summary>The variable naming the Chromium executable.</summary>
    public const string ChromiumVariable = "MSIL_CHROMIUM";

    /// <summary>The variable that, set to 1, turns a missing Chromium into skipped tests instead of failed ones.</summary>
    public const string SkipVariable = "MSIL_SKIP_BROWSER";

    /// <summary>Debian's Chromium.</summary>
    public const string DefaultChromium = "/usr/bin/chromium";

    /// <summary>What to do when Chromium is missing.</summary>
    public const string InstallHint =
        "Install it (Debian: `apt-get install -y chromium chromium-driver fonts-liberation`; build/test.sh does this when run as root) " +
        "or point " + ChromiumVariable + " at a Chromium or Chrome executable. Never run `playwright install`: the tests use the system browser. " +
        "To skip the browser tests instead, set " + SkipVariable + "=1.";

    /// <summary>The flags every launch gets: headless, no sandbox (containers run as root), and nothing that calls out to the network.</summary>
    public static IReadOnlyList<string> Flags { get; } =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ];

    /// <summary>Gets the Chromium executable: <c>MSIL_CHROMIUM</c>, else <c>/usr/bin/chromium</c>.</summary>
    public static string ChromiumPath
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(ChromiumVariable);
            return string.IsNullOrWhiteSpace(configured) ? DefaultChromium : configured;
        }
    }

    /// <summary>Gets whether a missing browser skips the tests (<c>MSIL_SKIP_BROWSER=1</c>).</summary>
    public static bool SkipWhenMissing => Environment.GetEnvironmentVariable(SkipVariable) is "1" or "true";
}
