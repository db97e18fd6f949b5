namespace Msil.Mcp.Abstractions;

/// <summary>Gets a token for calling a backend on the caller's behalf, without passing the caller's token through.</summary>
public interface IDownstreamTokenProvider
{
    /// <summary>Gets a token for <paramref name="audience"/>.</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="subjectToken">The caller's own token (for exchange or on-behalf-of), if any.</param>
    /// <param name="audience">The backend's audience.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The token, or <see langword="null"/> when the backend is called without one.</returns>
    /// <exception cref="DownstreamTokenException">A token was needed and could not be obtained.</exception>
    ValueTask<SensitiveString?> GetTokenAsync(CallerIdentity caller, SensitiveString? subjectToken, string audience, CancellationToken cancellationToken);
}

/// <summary>Thrown when a downstream token could not be obtained.</summary>
public sealed class DownstreamTokenException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DownstreamTokenException"/> class.</summary>
    public DownstreamTokenException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DownstreamTokenException"/> class.</summary>
    /// <param name="message">What failed.</param>
    public DownstreamTokenException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DownstreamTokenException"/> class.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public DownstreamTokenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
