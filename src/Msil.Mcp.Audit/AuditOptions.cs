using System.ComponentModel.DataAnnotations;
using Msil.Mcp.Diagnostics;
using Npgsql;

namespace Msil.Mcp.Audit;

/// <summary>When a governed call may answer relative to its audit record being written to the local chain file.</summary>
public enum AuditDurability
{
    /// <summary>
    /// The call waits until its record is written and flushed to the operating system (the default): a crash of the
    /// process loses nothing that was answered; a power loss may lose the last records the kernel had not yet written.
    /// </summary>
    Flushed,

    /// <summary>The call waits only until its record is queued; a crash may lose the records still in the queue.</summary>
    Queued,

    /// <summary>The call waits until its record is on stable storage (<c>fsync</c>): nothing answered is lost even on power loss.</summary>
    Synced,
}

/// <summary>What the audit stage answers when the local outbox (the chain files) cannot be written.</summary>
public enum AuditOutboxFailurePolicy
{
    /// <summary>Refuse every governed call until the outbox can be written again (the default).</summary>
    Refuse,

    /// <summary>Let read and write tools run without a record (each lost record is logged and counted); privileged tools are still refused.</summary>
    Allow,
}

/// <summary>The server-side encryption asked for on every S3 batch and manifest object.</summary>
public enum AuditS3Encryption
{
    /// <summary>SSE-KMS (<c>aws:kms</c>) under <see cref="AuditS3Options.KmsKeyId"/>, with an S3 Bucket Key to save KMS requests (the default, seed §9).</summary>
    Kms,

    /// <summary>SSE-S3 (<c>AES256</c>) with keys S3 manages.</summary>
    S3Managed,

    /// <summary>No encryption header: the bucket's default encryption applies (for S3-compatible servers without encryption).</summary>
    None,
}

/// <summary>The S3 Object Lock mode put on every batch and manifest object.</summary>
public enum AuditObjectLockMode
{
    /// <summary>No Object Lock headers (for buckets without Object Lock); the objects are not WORM-protected.</summary>
    None,

    /// <summary>Governance mode: users with <c>s3:BypassGovernanceRetention</c> may still delete or shorten the retention.</summary>
    Governance,

    /// <summary>Compliance mode: nobody, the root account included, can delete the object or shorten the retention.</summary>
    Compliance,
}

/// <summary>Options of the audit package, bound from <c>Msil:Mcp:Audit</c>.</summary>
public sealed class AuditOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Audit";

    /// <summary>
    /// Gets or sets the folder of the JSON-lines chain files, which are also the durable outbox the shippers read from;
    /// relative paths are under the host's content root. Put it on a persistent volume: it must outlive the process.
    /// </summary>
    /// <value>Defaults to <c>audit-logs</c>.</value>
    [Required(ErrorMessage = "Msil:Mcp:Audit:Directory is empty: set the folder for the audit files (the outbox), default audit-logs.")]
    public string Directory { get; set; } = "audit-logs";

    /// <summary>Gets or sets the durability policy.</summary>
    /// <value>Defaults to <see cref="AuditDurability.Flushed"/>.</value>
    public AuditDurability Durability { get; set; } = AuditDurability.Flushed;

    /// <summary>Gets or sets the size at which a file is closed and a new one begun (files also roll over each UTC day).</summary>
    /// <value>Defaults to 64 MiB.</value>
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Gets or sets how many records may wait for the writer; when full, callers wait.</summary>
    /// <value>Defaults to 10,000.</value>
    [KeyedRange(16, 1_000_000, ErrorMessage = "Msil:Mcp:Audit:QueueCapacity must be between 16 and 1000000 (default 10000): set it within that range or remove it.")]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets the id of this writer's chain (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>; at most 64). The id is
    /// kept in the file <c>chain-id</c> of <see cref="Directory"/> on first start; later starts must use the same one.
    /// Every writer (replica) needs its own chain and its own directory.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the machine name and a random suffix, chosen once.</value>
    public string? ChainId { get; set; }

    /// <summary>Gets or sets what the audit stage answers when the outbox cannot be written. Privileged tools are always refused.</summary>
    /// <value>Defaults to <see cref="AuditOutboxFailurePolicy.Refuse"/>.</value>
    public AuditOutboxFailurePolicy OutboxFailurePolicy { get; set; } = AuditOutboxFailurePolicy.Refuse;

    /// <summary>Gets or sets the first wait before a shipper retries a target that failed; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest wait between a shipper's retries.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets whether <c>GET /api/audit</c> is mapped (admin role only).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool EnableQueryApi { get; set; } = true;

    /// <summary>Gets or sets the role a caller needs to query the audit records through <c>GET /api/audit</c>.</summary>
    /// <value>Defaults to <c>admin</c>.</value>
    [Required(ErrorMessage = "Msil:Mcp:Audit:AdminRole is empty: set the role allowed to read audit records through GET /api/audit (default admin).")]
    public string AdminRole { get; set; } = "admin";

    /// <summary>Gets the PostgreSQL target; records are shipped there when <see cref="AuditPostgreSqlOptions.ConnectionString"/> is set.</summary>
    /// <value>Defaults to a disabled target.</value>
    public AuditPostgreSqlOptions PostgreSql { get; } = new();

    /// <summary>Gets the S3 WORM archive; records are shipped there when <see cref="AuditS3Options.Bucket"/> is set.</summary>
    /// <value>Defaults to a disabled target.</value>
    public AuditS3Options S3 { get; } = new();

    /// <summary>Gets how the arguments of a call are recorded: which are sensitive and therefore redacted.</summary>
    /// <value>Defaults to recording arguments with the built-in sensitive names redacted.</value>
    public AuditRedactionOptions Redaction { get; } = new();
}

/// <summary>
/// How a call's arguments are kept in its audit record, bound from <c>Msil:Mcp:Audit:Redaction</c>. An argument is
/// sensitive when its schema says so (<c>"x-msil-classification": "secret"</c> or <c>"personal"</c>, or
/// <c>"format": "password"</c>) or when its name contains one of the configured fragments; <c>"public"</c> in the
/// schema overrides a name match. Sensitive values go through the redactor that Microsoft.Extensions.Compliance
/// configures for <see cref="MsilDataClassifications.Secret"/> or <see cref="MsilDataClassifications.Personal"/>.
/// </summary>
public sealed class AuditRedactionOptions
{
    /// <summary>The name fragments used when <see cref="SecretArgumentNames"/> is not set.</summary>
    public static IReadOnlyList<string> DefaultSecretArgumentNames { get; } =
        ["password", "passwd", "secret", "token", "apikey", "authorization", "credential", "privatekey", "cvv", "otp"];

    /// <summary>The name fragments used when <see cref="PersonalArgumentNames"/> is not set.</summary>
    public static IReadOnlyList<string> DefaultPersonalArgumentNames { get; } =
        ["email", "phone", "mobile", "ssn", "aadhaar", "passport", "dateofbirth", "birthdate", "cardnumber", "iban"];

    /// <summary>Gets or sets whether arguments are recorded at all (their SHA-256 always is).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool RecordArguments { get; set; } = true;

    /// <summary>
    /// Gets or sets the name fragments that make an argument secret, compared case-insensitively with <c>_</c>,
    /// <c>-</c> and <c>.</c> removed (<c>api_key</c> matches <c>apikey</c>). Setting the list replaces the defaults.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="DefaultSecretArgumentNames"/>.</value>
#pragma warning disable CA1819 // Arrays bind from configuration by replacement; a list would append to the defaults.
    public string[]? SecretArgumentNames { get; set; }

    /// <summary>Gets or sets the name fragments that make an argument personal data; setting the list replaces the defaults.</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="DefaultPersonalArgumentNames"/>.</value>
    public string[]? PersonalArgumentNames { get; set; }
#pragma warning restore CA1819

    /// <summary>Gets or sets the largest recorded arguments object in UTF-8 bytes; a larger one is replaced by a note (the hash stays).</summary>
    /// <value>Defaults to 8192.</value>
    public int MaxArgumentsBytes { get; set; } = 8192;
}

/// <summary>The PostgreSQL audit table, bound from <c>Msil:Mcp:Audit:PostgreSql</c>.</summary>
public sealed class AuditPostgreSqlOptions
{
    /// <summary>
    /// Gets or sets the connection string the shipper writes with (Npgsql syntax). Give it a role that may only insert
    /// and select (see <see cref="WriterRole"/>). Setting it turns the target on.
    /// </summary>
    /// <value>Defaults to <see langword="null"/> (no PostgreSQL target).</value>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets the connection string used once at start to create or upgrade the schema (the table owner's).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="ConnectionString"/> is used.</value>
    public string? SchemaConnectionString { get; set; }

    /// <summary>Gets or sets the schema of the table (lower-case letters, digits and <c>_</c>).</summary>
    /// <value>Defaults to <c>public</c>.</value>
    public string Schema { get; set; } = "public";

    /// <summary>Gets or sets the table name (lower-case letters, digits and <c>_</c>, at most 40).</summary>
    /// <value>Defaults to <c>audit_events</c>.</value>
    public string TableName { get; set; } = "audit_events";

    /// <summary>
    /// Gets or sets an existing role that is granted <c>INSERT</c> and <c>SELECT</c> on the table (and the right to
    /// create the month partitions through a security-definer function), nothing else.
    /// </summary>
    /// <value>Defaults to <see langword="null"/> (no grant made).</value>
    public string? WriterRole { get; set; }

    /// <summary>Gets or sets the most records inserted by one statement.</summary>
    /// <value>Defaults to 500.</value>
    public int BatchMaxRecords { get; set; } = 500;

    /// <summary>
    /// Gets or sets the TLS mode towards PostgreSQL (Npgsql's <c>SSL Mode</c>), applied unless the connection string sets
    /// one. Use <see cref="SslMode.VerifyFull"/> in production (seed §8).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the connection string decides (Npgsql's default is <c>Prefer</c>).</value>
    public SslMode? SslMode { get; set; }

    /// <summary>Gets or sets the connections kept open in the pool, applied unless the connection string sets <c>Minimum Pool Size</c>.</summary>
    /// <value>Defaults to 5 (seed §8: a pool of 5).</value>
    public int MinPoolSize { get; set; } = 5;

    /// <summary>Gets or sets the most pooled connections, applied unless the connection string sets <c>Maximum Pool Size</c>.</summary>
    /// <value>Defaults to 15 (seed §8: 5 plus an overflow of 10).</value>
    public int MaxPoolSize { get; set; } = 15;

    /// <summary>Gets or sets the server-side <c>statement_timeout</c> of every connection, unless the connection string's <c>Options</c> set it.</summary>
    /// <value>Defaults to 30 seconds (seed §8).</value>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the server-side <c>lock_timeout</c> of every connection, unless the connection string's <c>Options</c> set it.</summary>
    /// <value>Defaults to 5 seconds (seed §8).</value>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long opening a connection may wait for a free pooled one (Npgsql's <c>Timeout</c>), unless the connection string sets it.</summary>
    /// <value>Defaults to 30 seconds (seed §8.1).</value>
    public TimeSpan PoolTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the age after which a pooled connection is closed rather than reused (Npgsql's <c>Connection Lifetime</c>), unless the connection string sets it.</summary>
    /// <value>Defaults to 1800 seconds (seed §8.1).</value>
    public TimeSpan ConnectionLifetime { get; set; } = TimeSpan.FromSeconds(1800);

    /// <summary>
    /// Gets or sets whether Production accepts a connection without required TLS. Without it a Production host refuses to
    /// start when <see cref="ConnectionString"/> or <see cref="SchemaConnectionString"/> does not require TLS (seed §8.1);
    /// with it the host starts and logs a warning.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowInsecureTransport { get; set; }

    /// <summary>Gets whether the target is on.</summary>
    internal bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);
}

/// <summary>The S3 WORM archive, bound from <c>Msil:Mcp:Audit:S3</c>.</summary>
public sealed class AuditS3Options
{
    /// <summary>Gets or sets the endpoint of an S3-compatible service; leave empty for AWS S3 in <see cref="Region"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Gets or sets the bucket; it needs Object Lock enabled unless <see cref="ObjectLockMode"/> is <see cref="AuditObjectLockMode.None"/>. Setting it turns the target on.</summary>
    /// <value>Defaults to <see langword="null"/> (no S3 target).</value>
    public string? Bucket { get; set; }

    /// <summary>Gets or sets the key prefix; objects go under <c>{Prefix}{chain id}/batches/</c> and <c>{Prefix}{chain id}/manifests/</c>.</summary>
    /// <value>Defaults to <c>audit/</c>.</value>
    public string Prefix { get; set; } = "audit/";

    /// <summary>Gets or sets the region (the signing region for an S3-compatible service).</summary>
    /// <value>Defaults to <c>us-east-1</c>.</value>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Gets or sets whether path-style addressing (<c>host/bucket/key</c>) is used; S3-compatible test servers need it.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool ForcePathStyle { get; set; }

    /// <summary>Gets or sets the access key id; with <see cref="SecretKey"/>, or neither for the SDK's default credentials (IAM role, environment).</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? AccessKey { get; set; }

    /// <summary>Gets or sets the secret access key; comes from a secret store, never from a committed file.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? SecretKey { get; set; }

    /// <summary>Gets or sets the Object Lock mode of every object.</summary>
    /// <value>Defaults to <see cref="AuditObjectLockMode.Compliance"/>.</value>
    public AuditObjectLockMode ObjectLockMode { get; set; } = AuditObjectLockMode.Compliance;

    /// <summary>Gets or sets how many days each object is retained (its retain-until date is the upload time plus this).</summary>
    /// <value>Defaults to 2555 days (seven years).</value>
    public int RetentionDays { get; set; } = 2555;

    /// <summary>Gets or sets how S3 encrypts every batch and manifest object at rest (seed §9: SSE-KMS).</summary>
    /// <value>Defaults to <see cref="AuditS3Encryption.Kms"/>.</value>
    public AuditS3Encryption ServerSideEncryption { get; set; } = AuditS3Encryption.Kms;

    /// <summary>
    /// Gets or sets the KMS key (key id, key ARN or alias ARN) objects are encrypted under when
    /// <see cref="ServerSideEncryption"/> is <see cref="AuditS3Encryption.Kms"/>. The writer's role needs
    /// <c>kms:GenerateDataKey</c> on it; verifiers need <c>kms:Decrypt</c>.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the bucket's default key, else the account's <c>aws/s3</c> key.</value>
    public string? KmsKeyId { get; set; }

    /// <summary>Gets or sets the most records in one batch object.</summary>
    /// <value>Defaults to 1000.</value>
    public int BatchMaxRecords { get; set; } = 1000;

    /// <summary>Gets or sets how long the oldest record may wait before a smaller batch is shipped.</summary>
    /// <value>Defaults to 1 minute.</value>
    public TimeSpan BatchMaxAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets whether uploads are sent whole rather than as <c>aws-chunked</c> streams. Turn it on for
    /// S3-compatible servers that store the chunk framing as data.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool DisableChunkEncoding { get; set; }

    /// <summary>Gets whether the target is on.</summary>
    internal bool Enabled => !string.IsNullOrWhiteSpace(Bucket);
}
