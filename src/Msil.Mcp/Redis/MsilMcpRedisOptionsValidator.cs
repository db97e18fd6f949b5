using Microsoft.Extensions.Options;

namespace Msil.Mcp.Redis;

/// <summary>Checks <c>Msil:Mcp:Redis</c> at start; each message names the key and the fix.</summary>
internal sealed class MsilMcpRedisOptionsValidator : IValidateOptions<MsilMcpRedisOptions>
{
    private const string Section = "Msil:Mcp:Redis:";

    public ValidateOptionsResult Validate(string? name, MsilMcpRedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromSeconds(30))
        {
            errors.Add($"{Section}Timeout must be greater than 00:00:00 and at most 00:00:30 (seed §8.2 uses 00:00:05).");
        }

        if (string.IsNullOrWhiteSpace(options.ClientName))
        {
            errors.Add($"{Section}ClientName is empty; the default is 'msil-mcp'.");
        }

        if (!string.IsNullOrWhiteSpace(options.CaCertificatePath) && !File.Exists(options.CaCertificatePath))
        {
            errors.Add($"{Section}CaCertificatePath '{options.CaCertificatePath}' does not exist: mount the CA bundle there or correct the path.");
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString) && errors.Count == 0)
        {
            try
            {
                if (RedisRegistration.CreateConfiguration(options).EndPoints.Count == 0)
                {
                    errors.Add($"{Section}ConnectionString names no server: use 'host:port[,host:port…],password=…,ssl=true'.");
                }
            }
            catch (ArgumentException)
            {
                errors.Add($"{Section}ConnectionString cannot be parsed; use the StackExchange.Redis form 'host:port,password=…,ssl=true'.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
