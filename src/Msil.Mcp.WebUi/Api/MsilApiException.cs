namespace Msil.Mcp.WebUi;

/// <summary>An RFC 9457 problem details answer from the server (or a transport failure described the same way).</summary>
/// <param name="Type">The problem type URI.</param>
/// <param name="Title">A short summary.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">What went wrong, naming the field and the fix.</param>
public sealed record MsilProblem(string? Type, string Title, int Status, string? Detail);

/// <summary>Thrown when a server REST API answers with an error; carries the problem details to show the user.</summary>
public sealed class MsilApiException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="MsilApiException"/> class.</summary>
    /// <param name="problem">The problem details.</param>
    public MsilApiException(MsilProblem problem)
        : base(problem?.Detail ?? problem?.Title)
    {
        ArgumentNullException.ThrowIfNull(problem);
        Problem = problem;
    }

    /// <summary>Initializes a new instance of the <see cref="MsilApiException"/> class.</summary>
    public MsilApiException()
        : this(new MsilProblem(null, "The server could not be reached.", 0, null))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MsilApiException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public MsilApiException(string message)
        : this(new MsilProblem(null, message, 0, null))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MsilApiException"/> class with a message and the cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public MsilApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problem = new MsilProblem(null, message, 0, innerException?.Message);
    }

    /// <summary>Gets the problem details.</summary>
    public MsilProblem Problem { get; }

    /// <summary>Gets the HTTP status (0 when the server could not be reached).</summary>
    public int Status => Problem.Status;
}
