namespace Msil.Mcp.SampleBackend;

/// <summary>
/// Names and values the sample backend uses unless told otherwise.
/// </summary>
public static class SampleBackendDefaults
{
    /// <summary>
    /// The name of the JWT bearer authentication scheme that validates tokens sent to the backend.
    /// </summary>
    /// <remarks>It is never made the host's default scheme.</remarks>
    public const string AuthenticationScheme = "SampleBackend";

    /// <summary>
    /// The name of the authorization policy that every <c>/v1</c> endpoint requires.
    /// </summary>
    public const string AuthorizationPolicy = "SampleBackend";

    /// <summary>
    /// The audience a token must carry to be accepted by the backend.
    /// </summary>
    public const string Audience = "api://msil-sample-backend";

    /// <summary>
    /// The route prefix under which <c>MapSampleBackend</c> maps the backend.
    /// </summary>
    public const string RoutePrefix = "/backend";

    /// <summary>
    /// The number of requests the recorder keeps.
    /// </summary>
    public const int RecentRequestCapacity = 100;
}
