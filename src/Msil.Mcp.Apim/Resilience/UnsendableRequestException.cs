namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// Thrown by <see cref="UnsendableRequestHandler"/> before a request enters a gateway's pipeline when the HTTP client could
/// not write it (a header value that is not printable ASCII). The fault is this process's, never the gateway's: it is
/// neither retried nor counted by the circuit breaker.
/// </summary>
internal sealed class UnsendableRequestException : Exception
{
    public UnsendableRequestException()
    {
    }

    public UnsendableRequestException(string message)
        : base(message)
    {
    }

    public UnsendableRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the header whose value cannot be sent.</summary>
    public string? HeaderName { get; init; }
}
