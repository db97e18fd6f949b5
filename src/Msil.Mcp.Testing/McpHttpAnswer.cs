using System.Net;

namespace Msil.Mcp.Testing;

/// <summary>The answer to a raw JSON-RPC POST (<see cref="MsilMcpTestHost.PostJsonRpcAsync"/>): its status and its body as sent.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The body as sent: one JSON-RPC message, or an event stream that carries it.</param>
public sealed record McpHttpAnswer(HttpStatusCode StatusCode, string Body)
{
    /// <summary>Gets a value indicating whether the status is 2xx.</summary>
    public bool IsSuccessStatusCode => (int)StatusCode is >= 200 and <= 299;

    /// <summary>Gets the JSON-RPC message: the body itself, or the <c>data:</c> lines of an event stream joined.</summary>
    public string Message => Body.StartsWith('{')
        ? Body
        : string.Concat(Body.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()));
}
