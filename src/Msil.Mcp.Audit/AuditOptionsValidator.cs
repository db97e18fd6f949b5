using Npgsql;

namespace Msil.Mcp.Audit;

/// <summary>Checks the audit options' DataAnnotations at start (source-generated; each attribute's message names the key and the fix).</summary>
[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class AuditOptionsAnnotationsValidator : Microsoft.Extensions.Options.IValidateOptions<AuditOptions>;

/// <summary>Checks the audit rules DataAnnotations cannot say; each message names the configuration key and says how to fix it.</summary>
internal sealed class AuditOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<AuditOptions>
{
    private const string Section = AuditOptions.SectionName + ":";

    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MaxFileBytes < 64 * 1024)
        {
            errors.Add($"{Section}MaxFileBytes must be at least 65536 (default 67108864, 64 MB): raise it or remove it.");
        }

        if (!Enum.IsDefined(options.Durability))
        {
            errors.Add($"{Section}Durability must be Flushed, Synced or Queued.");
        }

        if (!Enum.IsDefined(options.OutboxFailurePolicy))
        {
            errors.Add($"{Section}OutboxFailurePolicy must be Refuse or Allow.");
        }

        if (options.ChainId is not null && !FileAuditSink.IsValidChainId(options.ChainId))
        {
            errors.Add($"{Section}ChainId '{options.ChainId}' is not valid: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-'.");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.RetryDelay > options.MaxRetryDelay)
        {
            errors.Add($"{Section}RetryDelay must be positive and at most {Section}MaxRetryDelay: lower it or raise the maximum.");
        }

        if (options.MaxRetryDelay > TimeSpan.FromHours(1))
        {
            errors.Add($"{Section}MaxRetryDelay must be at most 01:00:00: lower it or remove it (default 00:00:30).");
        }

        if (options.Redaction.MaxArgumentsBytes is < 64 or > 1024 * 1024)
        {
            errors.Add($"{Section}Redaction:MaxArgumentsBytes is {options.Redaction.MaxArgumentsBytes}: set it between 64 and 1048576 bytes.");
        }

        foreach (var (key, names) in new[] { ("SecretArgumentNames", options.Redaction.SecretArgumentNames), ("PersonalArgumentNames", options.Redaction.PersonalArgumentNames) })
        {
            if (names is not null && names.Any(n => AuditArgumentRedactor.Normalize(n).Length == 0))
            {
                errors.Add($"{Section}Redaction:{key} has an empty entry: every fragment needs at least one letter or digit (an empty one would match every argument).");
            }
        }

        if (options.PostgreSql.Enabled)
        {
            ValidatePostgreSql(options.PostgreSql, errors);
        }

        if (options.S3.Enabled)
        {
            ValidateS3(options.S3, errors);
        }

        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Returns whether <paramref name="name"/> is a plain lower-case SQL identifier no longer than <paramref name="max"/>.</summary>
    internal static bool IsPlainIdentifier(string? name, int max)
    {
        if (string.IsNullOrEmpty(name) || name.Length > max || !(char.IsAsciiLetterLower(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static void ValidatePostgreSql(AuditPostgreSqlOptions o, List<string> errors)
    {
        const string Pg = Section + "PostgreSql:";
        CheckConnectionString(o.ConnectionString, Pg + "ConnectionString", errors);
        if (!string.IsNullOrWhiteSpace(o.SchemaConnectionString))
        {
            CheckConnectionString(o.SchemaConnectionString, Pg + "SchemaConnectionString", errors);
        }

        if (!IsPlainIdentifier(o.Schema, 63))
        {
            errors.Add($"{Pg}Schema '{o.Schema}' must be a lower-case identifier (letters, digits, '_'; at most 63).");
        }

        // The month partitions are named {table}_yYYYYmMM (+10 characters) within PostgreSQL's 63.
        if (!IsPlainIdentifier(o.TableName, 40))
        {
            errors.Add($"{Pg}TableName '{o.TableName}' must be a lower-case identifier (letters, digits, '_'; at most 40).");
        }

        if (o.WriterRole is not null && (o.WriterRole.Length is 0 or > 63 || o.WriterRole.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_'))))
        {
            errors.Add($"{Pg}WriterRole '{o.WriterRole}' must be an existing role name of letters, digits and '_'.");
        }

        if (o.BatchMaxRecords is < 1 or > 10_000)
        {
            errors.Add($"{Pg}BatchMaxRecords must be between 1 and 10000.");
        }

        if (o.MinPoolSize is < 0 or > 1000 || o.MaxPoolSize is < 1 or > 1000 || o.MaxPoolSize < o.MinPoolSize)
        {
            errors.Add($"{Pg}MinPoolSize and {Pg}MaxPoolSize must be between 0 and 1000, and MaxPoolSize at least 1 and not below MinPoolSize.");
        }

        if (o.StatementTimeout < TimeSpan.Zero || o.LockTimeout < TimeSpan.Zero)
        {
            errors.Add($"{Pg}StatementTimeout and {Pg}LockTimeout must not be negative (00:00:00 turns a timeout off).");
        }
    }

    private static void CheckConnectionString(string? value, string key, List<string> errors)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrWhiteSpace(b.Host))
            {
                errors.Add($"{key} names no Host.");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The message would echo the string, password included: name the key only.
            errors.Add($"{key} cannot be parsed; use the Npgsql form 'Host=…;Port=5432;Database=…;Username=…;Password=…'.");
        }
    }

    private static void ValidateS3(AuditS3Options o, List<string> errors)
    {
        const string S3 = Section + "S3:";
        var bucket = o.Bucket!;
        if (bucket.Length is < 3 or > 63 || !char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1])
            || bucket.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')))
        {
            errors.Add($"{S3}Bucket '{bucket}' is not a valid bucket name (3 to 63 lower-case letters, digits, '.' and '-').");
        }

        if (o.ServiceUrl is not null && (!o.ServiceUrl.IsAbsoluteUri || o.ServiceUrl.Scheme is not ("http" or "https")))
        {
            errors.Add($"{S3}ServiceUrl must be an absolute http(s) URL, or empty for AWS S3.");
        }

        if (string.IsNullOrWhiteSpace(o.Region))
        {
            errors.Add($"{S3}Region is empty: set the bucket's region (the signing region for an S3-compatible service).");
        }

        if (string.IsNullOrEmpty(o.AccessKey) != string.IsNullOrEmpty(o.SecretKey))
        {
            errors.Add($"{S3}AccessKey and {S3}SecretKey go together: set both, or neither to use the default credentials (IAM role, environment).");
        }

        if (o.Prefix.StartsWith('/') || o.Prefix.Contains("//", StringComparison.Ordinal))
        {
            errors.Add($"{S3}Prefix '{o.Prefix}' must not start with '/' or contain '//'.");
        }

        if (!Enum.IsDefined(o.ObjectLockMode))
        {
            errors.Add($"{S3}ObjectLockMode must be None, Governance or Compliance.");
        }
        else if (o.ObjectLockMode != AuditObjectLockMode.None && o.RetentionDays is < 1 or > 36_500)
        {
            errors.Add($"{S3}RetentionDays must be between 1 and 36500 when ObjectLockMode is {o.ObjectLockMode}.");
        }

        if (!Enum.IsDefined(o.ServerSideEncryption))
        {
            errors.Add($"{S3}ServerSideEncryption must be Kms, S3Managed or None.");
        }
        else if (o.KmsKeyId is not null && (o.ServerSideEncryption != AuditS3Encryption.Kms || string.IsNullOrWhiteSpace(o.KmsKeyId)))
        {
            errors.Add($"{S3}KmsKeyId is set but not used: it needs ServerSideEncryption=Kms and a key id, key ARN or alias ARN (leave it out for the bucket's default key).");
        }

        if (o.BatchMaxRecords is < 1 or > 100_000)
        {
            errors.Add($"{S3}BatchMaxRecords must be between 1 and 100000.");
        }

        if (o.BatchMaxAge <= TimeSpan.Zero || o.BatchMaxAge > TimeSpan.FromDays(1))
        {
            errors.Add($"{S3}BatchMaxAge must be greater than 00:00:00 and at most 1.00:00:00.");
        }
    }
}
