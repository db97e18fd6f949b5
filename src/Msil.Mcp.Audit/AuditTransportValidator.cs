using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Audit;

/// <summary>
/// Refuses, in a Production host, a PostgreSQL target without TLS (seed §8.1), unless the matching <c>AllowInsecure…</c> setting is true, which is logged as
/// a warning. Outside Production, and without a registered host environment (a bare service collection), nothing is checked.
/// </summary>
internal sealed class AuditTransportValidator(IHostEnvironment? environment = null, ILogger<AuditTransportValidator>? logger = null) : IValidateOptions<AuditOptions>
{
    private readonly ILogger _logger = logger ?? NullLogger<AuditTransportValidator>.Instance;

    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(environment?.IsProduction() ?? false))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.PostgreSql.ConnectionString) && PostgreSqlTransport.CheckTls(options.PostgreSql.ConnectionString, options.PostgreSql.SslMode, "Msil:Mcp:Audit:PostgreSql:ConnectionString", "Msil:Mcp:Audit:PostgreSql:AllowInsecureTransport") is { } error)
        {
            if (options.PostgreSql.AllowInsecureTransport)
            {
                Log.InsecurePostgreSqlAllowed(_logger, "Msil:Mcp:Audit:PostgreSql:ConnectionString", "Msil:Mcp:Audit:PostgreSql:AllowInsecureTransport");
            }
            else
            {
                errors.Add(error);
            }
        }
        if (!string.IsNullOrWhiteSpace(options.PostgreSql.SchemaConnectionString) && PostgreSqlTransport.CheckTls(options.PostgreSql.SchemaConnectionString, options.PostgreSql.SslMode, "Msil:Mcp:Audit:PostgreSql:SchemaConnectionString", "Msil:Mcp:Audit:PostgreSql:AllowInsecureTransport") is { } schemaError)
        {
            if (options.PostgreSql.AllowInsecureTransport)
            {
                Log.InsecurePostgreSqlAllowed(_logger, "Msil:Mcp:Audit:PostgreSql:SchemaConnectionString", "Msil:Mcp:Audit:PostgreSql:AllowInsecureTransport");
            }
            else
            {
                errors.Add(schemaError);
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Skip : ValidateOptionsResult.Fail(errors);
    }
}
