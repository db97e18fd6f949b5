using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Audit;

/// <summary>
/// Refuses, in a Production host, a PostgreSQL target without TLS (seed §8.1), unless <c>Msil:Mcp:Audit:PostgreSql:AllowInsecureTransport</c> is true,
/// which is logged as a warning (<see cref="ProductionTransportRules"/>).
/// </summary>
internal sealed class AuditTransportValidator(IHostEnvironment? environment = null, ILogger<AuditTransportValidator>? logger = null) : IValidateOptions<AuditOptions>
{
    private const string AllowKey = "Msil:Mcp:Audit:PostgreSql:AllowInsecureTransport";
    private readonly ILogger _logger = logger ?? NullLogger<AuditTransportValidator>.Instance;

    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pg = options.PostgreSql;
        return ProductionTransportRules.Validate(
            environment,
            PostgreSqlTransport.Rule(pg.ConnectionString, pg.SslMode, "Msil:Mcp:Audit:PostgreSql:ConnectionString", pg.AllowInsecureTransport, AllowKey, (k, a) => Log.InsecurePostgreSqlAllowed(_logger, k, a)),
            PostgreSqlTransport.Rule(pg.SchemaConnectionString, pg.SslMode, "Msil:Mcp:Audit:PostgreSql:SchemaConnectionString", pg.AllowInsecureTransport, AllowKey, (k, a) => Log.InsecurePostgreSqlAllowed(_logger, k, a)));
    }
}
