using Microsoft.Extensions.Options;
using Npgsql;

namespace Msil.Mcp.Registry;

/// <summary>Checks the registry options' DataAnnotations at start (source-generated; each attribute's message names the key and the fix).</summary>
[OptionsValidator]
internal sealed partial class ToolRegistryOptionsAnnotationsValidator : IValidateOptions<ToolRegistryOptions>;

/// <summary>Checks the registry rules DataAnnotations cannot say; each message names the key and says how to fix it.</summary>
internal sealed class ToolRegistryOptionsValidator : IValidateOptions<ToolRegistryOptions>
{
    private const string Section = ToolRegistryOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, ToolRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MaxToolSchemaBytes < 1024)
        {
            errors.Add($"{Section}MaxToolSchemaBytes must be at least 1024 (default 65536, 64 KB).");
        }

        if (options.MaxDocumentBytes < 1)
        {
            errors.Add($"{Section}MaxDocumentBytes must be positive (default 26214400, 25 MB).");
        }

        if (options.FetchTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{Section}FetchTimeout must be positive (default 00:00:30).");
        }

        if (options.RevisionCheckInterval < TimeSpan.Zero || options.RevisionCheckInterval > TimeSpan.FromHours(1)
            || options.RevisionCheckInterval > TimeSpan.Zero && options.RevisionCheckInterval < TimeSpan.FromMilliseconds(100))
        {
            errors.Add($"{Section}RevisionCheckInterval must be 00:00:00 (off) or between 00:00:00.1 and 01:00:00 (default 00:00:30).");
        }

        if (string.IsNullOrWhiteSpace(options.AdminRole))
        {
            errors.Add($"{Section}AdminRole is empty: set the role allowed to import and curate tools.");
        }

        switch (options.Store)
        {
            case ToolStoreKind.Sqlite:
                if (string.IsNullOrWhiteSpace(options.SqlitePath))
                {
                    errors.Add($"{Section}SqlitePath is empty: set the SQLite file (relative to the content root) or set Store to PostgreSql.");
                }

                break;
            case ToolStoreKind.PostgreSql:
                ValidatePostgreSql(options, errors);
                break;
            default:
                errors.Add($"{Section}Store must be Sqlite or PostgreSql.");
                break;
        }

        if (!string.IsNullOrWhiteSpace(options.Redis))
        {
            try
            {
                StackExchange.Redis.ConfigurationOptions.Parse(options.Redis);
            }
            catch (ArgumentException)
            {
                errors.Add($"{Section}Redis is not a valid StackExchange.Redis connection string (host:port[,password=…][,ssl=true]).");
            }
        }

        foreach (var host in options.AllowedImportHosts)
        {
            if (string.IsNullOrWhiteSpace(host) || host.Contains('/', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
            {
                errors.Add($"{Section}AllowedImportHosts has '{host}': list host names only (api.example.com), no scheme, port or path.");
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Sources.Count; i++)
        {
            var source = options.Sources[i];
            if (string.IsNullOrWhiteSpace(source.Name))
            {
                errors.Add($"{Section}Sources:{i}:Name is empty.");
            }
            else if (!names.Add(source.Name))
            {
                errors.Add($"{Section}Sources:{i}:Name '{source.Name}' is used twice.");
            }

            var hasUrl = !string.IsNullOrWhiteSpace(source.Url);
            if (source.Open is null && string.IsNullOrWhiteSpace(source.Path) && !hasUrl)
            {
                errors.Add($"{Section}Sources:{i}:Path is empty: set the OpenAPI document's path (or Sources:{i}:Url to fetch it).");
            }
            else if (hasUrl && (source.Open is not null || !string.IsNullOrWhiteSpace(source.Path)))
            {
                errors.Add($"{Section}Sources:{i}:Url is set together with Path: keep one of them.");
            }

            if (hasUrl && (!Uri.TryCreate(source.Url, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http")))
            {
                errors.Add($"{Section}Sources:{i}:Url is not an absolute http(s) URL: set it to the document's address, such as https://api.example.com/openapi.json.");
            }

            if (source.RefreshInterval is { } refresh)
            {
                if (!hasUrl)
                {
                    errors.Add($"{Section}Sources:{i}:RefreshInterval is set but Sources:{i}:Url is not: only a document fetched from a URL is refreshed; remove RefreshInterval or set Url.");
                }
                else if (refresh < TimeSpan.FromMinutes(1))
                {
                    errors.Add($"{Section}Sources:{i}:RefreshInterval must be at least 00:01:00 (or left unset to fetch at start only).");
                }
            }

            errors.AddRange(OpenApi.OperationSelector.Validate(source.Select, $"{Section}Sources:{i}:Select"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidatePostgreSql(ToolRegistryOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{Section}ConnectionString is empty: Store is PostgreSql and needs an Npgsql connection string.");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException)
            {
                errors.Add($"{Section}ConnectionString is not a valid Npgsql connection string (Host=…;Database=…;Username=…).");
            }
        }

        var schema = options.Schema;
        if (string.IsNullOrEmpty(schema) || schema.Length > 63 || !(char.IsAsciiLetterLower(schema[0]) || schema[0] == '_')
            || !schema.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            errors.Add($"{Section}Schema '{schema}' must be a lower-case identifier (letters, digits, '_'; at most 63).");
        }
    }
}
