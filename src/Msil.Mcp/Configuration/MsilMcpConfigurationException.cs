namespace Msil.Mcp;

/// <summary>
/// The configuration cannot work; thrown at start. Each of <see cref="Problems"/> is one line of the form
/// <c>KEY: what is wrong; how to fix</c>, which <c>RunMsilMcpAsync()</c> prints instead of a stack trace.
/// </summary>
public sealed class MsilMcpConfigurationException : InvalidOperationException
{
    /// <summary>Initializes a new instance with no problem listed.</summary>
    public MsilMcpConfigurationException()
        : this("The configuration is not valid.")
    {
    }

    /// <summary>Initializes a new instance with one problem.</summary>
    /// <param name="message">The problem, as <c>KEY: what is wrong; how to fix</c>.</param>
    public MsilMcpConfigurationException(string message)
        : base(message)
    {
        Problems = [message];
    }

    /// <summary>Initializes a new instance with one problem and its cause.</summary>
    /// <param name="message">The problem, as <c>KEY: what is wrong; how to fix</c>.</param>
    /// <param name="innerException">The exception that revealed it.</param>
    public MsilMcpConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    /// <summary>Initializes a new instance with several problems.</summary>
    /// <param name="problems">The problems, one line each.</param>
    /// <exception cref="ArgumentNullException"><paramref name="problems"/> is <see langword="null"/>.</exception>
    public MsilMcpConfigurationException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems ?? throw new ArgumentNullException(nameof(problems))))
    {
        Problems = [.. problems];
    }

    /// <summary>Gets the problems, one line each (<c>KEY: what is wrong; how to fix</c>).</summary>
    public IReadOnlyList<string> Problems { get; }
}
