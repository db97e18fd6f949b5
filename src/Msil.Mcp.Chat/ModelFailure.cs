using System.ClientModel;
using System.Net.Sockets;

namespace Msil.Mcp.Chat;

/// <summary>
/// Says in the conversation why the language model did not answer, in words a user can act on: which setting to check
/// and what to change. Never the key, never a stack trace.
/// </summary>
internal static class ModelFailure
{
    public static string Describe(string? modelName, Exception exception)
    {
        var model = string.IsNullOrEmpty(modelName) ? "the model" : $"the model '{modelName}'";
        var where = "(Msil:Mcp:Chat:Models: Endpoint, Model, ApiKey or ApiKeyFile)";
        switch (exception)
        {
            case ClientResultException { Status: 401 or 403 }:
                return $"The language model endpoint refused the API key of {model} ({((ClientResultException)exception).Status}): check ApiKey or ApiKeyFile {where} and restart.";
            case ClientResultException { Status: 404 }:
                return $"The language model endpoint does not know {model} (404): check Model (for Azure OpenAI, the deployment name) and that Endpoint ends with /v1/ {where}.";
            case ClientResultException { Status: 429 }:
                return $"The language model endpoint is rate limiting {model} (429): wait a moment and send the message again.";
            case ClientResultException { Status: >= 500 } server:
                return $"The language model endpoint failed ({server.Status}) for {model}: try again later, or pick another model.";
            case ClientResultException client when client.Status > 0:
                return $"The language model endpoint refused the request for {model} ({client.Status}): {FirstLine(client.Message)}";
            case HttpRequestException or SocketException or ClientResultException:
                return $"The language model endpoint of {model} could not be reached ({FirstLine(exception.InnerException?.Message ?? exception.Message)}): check that it is running and that Endpoint is right {where}. Manual mode still works.";
            case TimeoutException or TaskCanceledException:
                return $"The language model endpoint of {model} did not answer in time: try again, or check that it is running {where}.";
            default:
                return $"The language model {model} failed ({exception.GetType().Name}): {FirstLine(exception.Message)}";
        }
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}
