using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Diagnostics;

/// <summary>
/// The one shape of every package's Production transport check (seed §8.1 and §8.2): in a Production host each
/// <see cref="TransportRule"/> whose connection string is set runs its check; a failure is refused unless the rule's allow
/// flag is set, in which case it is logged (through the rule's log delegate) and accepted. Outside Production, and without a
/// registered host environment (a bare service collection), nothing is checked. Linked into every package that opens its own
/// Redis or PostgreSQL connection; the package's validator keeps only its key names and its rules.
/// </summary>
internal static class ProductionTransportRules
{
    /// <summary>Runs <paramref name="rules"/> when <paramref name="environment"/> is Production.</summary>
    /// <param name="environment">The host environment, or <see langword="null"/> in a bare service collection.</param>
    /// <param name="rules">The connection strings to check, each with its keys, allow flag and log delegate.</param>
    /// <returns><see cref="ValidateOptionsResult.Skip"/> when every rule passes or is allowed; otherwise a failure listing each refusal.</returns>
    public static ValidateOptionsResult Validate(IHostEnvironment? environment, params ReadOnlySpan<TransportRule> rules)
    {
        if (!(environment?.IsProduction() ?? false))
        {
            return ValidateOptionsResult.Skip;
        }

        List<string>? errors = null;
        foreach (var rule in rules)
        {
            if (string.IsNullOrWhiteSpace(rule.ConnectionString) || rule.Check(rule.ConnectionString, rule.Key, rule.AllowKey) is not { } error)
            {
                continue;
            }

            if (rule.Allow)
            {
                rule.LogAllowed(rule.Key, rule.AllowKey);
            }
            else
            {
                (errors ??= []).Add(error);
            }
        }

        return errors is null ? ValidateOptionsResult.Skip : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>One connection string under the Production transport rule.</summary>
/// <param name="ConnectionString">The connection string; a blank one is not checked.</param>
/// <param name="Key">Its full configuration key (<c>Msil:Mcp:…</c>), named in the error.</param>
/// <param name="Allow">Whether the allow flag is set (the failure is then logged and accepted).</param>
/// <param name="AllowKey">The full configuration key of the allow flag, named in the error as the way out.</param>
/// <param name="Check">Returns why the connection string may not be used in Production (naming key and fix), or <see langword="null"/>.</param>
/// <param name="LogAllowed">Logs an accepted failure with the key and the allow key.</param>
internal readonly record struct TransportRule(
    string? ConnectionString,
    string Key,
    bool Allow,
    string AllowKey,
    Func<string, string, string, string?> Check,
    Action<string, string> LogAllowed);
