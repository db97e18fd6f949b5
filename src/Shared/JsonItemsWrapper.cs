using System.Buffers;
using System.Text.Json;

namespace Msil.Mcp.Json;

/// <summary>
/// The structured content of a JSON array: MCP's <c>structuredContent</c> is an object, so an array becomes
/// <c>{"items": […]}</c>. Shared by the Abstractions' <c>ToolResult</c> made from bytes and the APIM response shaper, so
/// both wrap the same way.
/// </summary>
internal static class JsonItemsWrapper
{
    /// <summary>Parses <c>{"items": <paramref name="array"/>}</c> without a copy of the array that outlives the call.</summary>
    /// <param name="array">A JSON array in UTF-8.</param>
    /// <returns>The wrapping object.</returns>
    /// <exception cref="JsonException">The array is not well-formed JSON.</exception>
    public static JsonElement Wrap(ReadOnlySpan<byte> array)
    {
        var wrapped = ArrayPool<byte>.Shared.Rent(array.Length + 10);
        try
        {
            "{\"items\":"u8.CopyTo(wrapped);
            array.CopyTo(wrapped.AsSpan(9));
            wrapped[array.Length + 9] = (byte)'}';

            // JsonElement.Parse copies what it keeps: the rented buffer can go back.
            return JsonElement.Parse(wrapped.AsSpan(0, array.Length + 10));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(wrapped);
        }
    }
}
