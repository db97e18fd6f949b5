using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Admin;

/// <summary>Validates <see cref="UserDirectoryOptions"/> at start; each message names the configuration key and the fix.</summary>
internal sealed partial class UserDirectoryOptionsValidator : IValidateOptions<UserDirectoryOptions>
{
    private const string Section = "Msil:Mcp:Users:";

    public ValidateOptionsResult Validate(string? name, UserDirectoryOptions options)
    {
        var errors = new List<string>();
        if (options.FlushInterval < TimeSpan.FromSeconds(1) || options.FlushInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{Section}FlushInterval is {options.FlushInterval:c}: set it between 00:00:01 and 00:05:00.");
        }

        if (options.Store == UserDirectoryStoreKind.PostgreSql && string.IsNullOrWhiteSpace(options.PostgreSqlConnectionString))
        {
            errors.Add($"{Section}PostgreSqlConnectionString is empty while {Section}Store is PostgreSql: set the connection string, or set Store to Memory.");
        }

        if (!Identifier().IsMatch(options.Schema ?? string.Empty))
        {
            errors.Add($"{Section}Schema must be lower-case letters, digits and '_' (default 'public').");
        }

        if (!Identifier().IsMatch(options.TableName ?? string.Empty))
        {
            errors.Add($"{Section}TableName must be 1 to 40 lower-case letters, digits and '_' (default 'mcp_users').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,39}$")]
    private static partial Regex Identifier();
}
