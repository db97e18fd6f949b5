using Microsoft.Extensions.Options;

namespace Msil.Mcp.Chat;

/// <summary>Checks the chat options' DataAnnotations at start (source-generated; each attribute's message names the key and the fix).</summary>
[OptionsValidator]
internal sealed partial class MsilMcpChatOptionsAnnotationsValidator : IValidateOptions<MsilMcpChatOptions>;

/// <summary>Checks the chat host's settings DataAnnotations cannot say; every message names the configuration key and the fix.</summary>
internal sealed class MsilMcpChatOptionsValidator : IValidateOptions<MsilMcpChatOptions>
{
    public ValidateOptionsResult Validate(string? name, MsilMcpChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string Section = MsilMcpChatOptions.SectionName;
        if (options.ServerUrl is { IsAbsoluteUri: false })
        {
            errors.Add($"{Section}:ServerUrl must be an absolute http(s) address of the MCP server, or unset for the chat's own host.");
        }

        if (string.IsNullOrWhiteSpace(options.McpPath) || !options.McpPath.StartsWith('/'))
        {
            errors.Add($"{Section}:McpPath must be a path starting with '/', for example /mcp.");
        }

        if (string.IsNullOrWhiteSpace(options.AuditLinkTemplate) || !options.AuditLinkTemplate.Contains("{0}", StringComparison.Ordinal))
        {
            errors.Add($"{Section}:AuditLinkTemplate must hold {{0}} where the correlation id goes, for example /admin/audit?correlation_id={{0}}.");
        }

        if (options.ConversationLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:ConversationLifetime must be positive, for example 1.00:00:00.");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Models.Count; i++)
        {
            var model = options.Models[i];
            var key = $"{Section}:Models:{i}";
            if (string.IsNullOrWhiteSpace(model.Name))
            {
                errors.Add($"{key}:Name is required: the name users pick the model by.");
            }
            else if (!names.Add(model.Name))
            {
                errors.Add($"{key}:Name '{model.Name}' is used by another model: names must be unique.");
            }

            if (model.Endpoint is null || !model.Endpoint.IsAbsoluteUri || (model.Endpoint.Scheme != Uri.UriSchemeHttps && model.Endpoint.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add($"{key}:Endpoint must be the absolute http(s) base address of an OpenAI-compatible API, for example https://api.openai.com/v1/ or http://127.0.0.1:11434/v1/.");
            }

            if (string.IsNullOrWhiteSpace(model.Model))
            {
                errors.Add($"{key}:Model is required: the model (or Azure OpenAI deployment) name, for example gpt-4o-mini or llama3.1.");
            }

            if (!string.IsNullOrEmpty(model.ApiKey) && !string.IsNullOrEmpty(model.ApiKeyFile))
            {
                errors.Add($"{key}: set ApiKey or ApiKeyFile, not both.");
            }
            else if (!string.IsNullOrEmpty(model.ApiKeyFile) && !File.Exists(model.ApiKeyFile))
            {
                errors.Add($"{key}:ApiKeyFile names a file that does not exist: mount the secret there or fix the path.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
