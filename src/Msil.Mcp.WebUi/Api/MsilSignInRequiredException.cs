namespace Msil.Mcp.WebUi;

/// <summary>Thrown when the user's session has no usable access token any more (expired, not refreshable): the console sends the user to sign in again.</summary>
public sealed class MsilSignInRequiredException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="MsilSignInRequiredException"/> class.</summary>
    public MsilSignInRequiredException()
        : base("The session has expired: sign in again.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MsilSignInRequiredException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public MsilSignInRequiredException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MsilSignInRequiredException"/> class with a message and the cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public MsilSignInRequiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
