using Microsoft.Extensions.Options;

namespace Msil.Mcp.Hosting;

/// <summary>
/// Checks the <c>tools/list</c> settings of <see cref="MsilMcpOptions"/> at start with messages that name the
/// configuration key: the source-generated validator's range messages name the property, not the key.
/// </summary>
internal sealed class MsilMcpListOptionsValidator : IValidateOptions<MsilMcpOptions>
{
    public ValidateOptionsResult Validate(string? name, MsilMcpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.ToolsListPageSize is < 0 or > 10_000)
        {
            failures.Add($"Msil:Mcp:ToolsListPageSize is {options.ToolsListPageSize}: set 0 (every tool in one page) or a page size up to 10000.");
        }

        if (options.ToolsListTtlSeconds is < 0 or > 24 * 60 * 60)
        {
            failures.Add($"Msil:Mcp:ToolsListTtlSeconds is {options.ToolsListTtlSeconds}: set 0 (immediately stale) to 86400 seconds.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
