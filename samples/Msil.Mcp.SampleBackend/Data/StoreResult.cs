using Microsoft.AspNetCore.Http;

namespace Msil.Mcp.SampleBackend.Data;

/// <summary>The outcome of a store operation: a value, or a failure with its HTTP status and the field at fault.</summary>
internal sealed record StoreResult<T>(T? Value, int StatusCode, string? Detail, string? Field)
    where T : class
{
    public bool Succeeded => Value is not null;

    public static StoreResult<T> Ok(T value, int statusCode = StatusCodes.Status200OK) => new(value, statusCode, null, null);

    public static StoreResult<T> Fail(int statusCode, string detail, string? field = null) => new(null, statusCode, detail, field);
}
