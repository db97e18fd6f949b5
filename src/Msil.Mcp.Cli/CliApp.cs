using System.Globalization;
using System.Net.Sockets;
using System.Reflection;
using Msil.Mcp.Audit;

namespace Msil.Mcp.Cli;

/// <summary>Parses the command line and runs the command. Exit codes: 0 verified, 1 broken, 2 usage or connection error.</summary>
internal static class CliApp
{
    public const int Verified = 0;
    public const int Broken = 1;
    public const int UsageOrConnectionError = 2;

    public const string Usage = """
        Usage:
          msil-mcp audit verify --files <directory>
          msil-mcp audit verify --postgres <connection string> [--schema public] [--table audit_events]
          msil-mcp audit verify --s3 <service url> --bucket <bucket> [--prefix audit/] [--region us-east-1]
                                [--access-key <id> --secret-key <secret>] [--virtual-host-style]
          msil-mcp audit verify --s3 aws --bucket <bucket> --region <region> [--prefix audit/]
          msil-mcp openapi compile <file> [--json] [selection]
          msil-mcp openapi lint <file> [--json] [selection]
          msil-mcp openapi diff <old> <new>
          msil-mcp token <user> [--server http://127.0.0.1:5100] [--issuer-path /dev/oidc] [--header]
          msil-mcp --version | --help

        Recomputes every hash chain (and, for S3, every batch checksum and the manifest chain) and prints
        "verified N records" or the first broken record: where it is and what is wrong.
        Secrets: PGPASSWORD is read when the connection string has no password; without --access-key the S3
        client uses the default AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, IAM role).
        Exit codes: 0 everything verifies, 1 a record or object is broken, 2 usage or connection error.

        "openapi compile" prints the tools an OpenAPI document (2.0, 3.0, 3.1; JSON or YAML) gives and the report of
        operations it does not turn into tools; "openapi lint" prints only that report (exit 1 when it has an error);
        "openapi diff" prints what importing the new document over the old would add, change and remove. Selection
        options (--include-tag, --exclude-path '/admin/**', --method GET, --operation-id, --risk-level; see
        "msil-mcp openapi --help") choose the operations as Msil:Mcp:Registry:Sources:N:Select does. Exit codes: 0 the
        document(s) were read (even with per-operation diagnostics), 2 a document could not be read or the command is wrong.

        "token" gets an access token for a demo user from a running server's development issuer (Development only) and
        prints it, or with --header the line "Authorization: Bearer <token>" for the MCP Inspector's --header.
        Exit codes: 0 a token was printed, 2 the server has no development issuer, refused the user or cannot be reached.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 1 && args[0] is "--version" or "version")
        {
            var version = typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            await output.WriteLineAsync("msil-mcp " + version).ConfigureAwait(false);
            return Verified;
        }

        if (args.Length > 1 && args[0] == "openapi" && args.Any(a => a is "--help" or "-h" or "-?" or "help"))
        {
            await output.WriteLineAsync(OpenApiCommands.Usage).ConfigureAwait(false);
            return Verified;
        }

        if (args.Length == 0 || args.Any(a => a is "--help" or "-h" or "-?" or "help"))
        {
            await (args.Length == 0 ? error : output).WriteLineAsync(Usage).ConfigureAwait(false);
            return args.Length == 0 ? UsageOrConnectionError : Verified;
        }

        if (args[0] == "token")
        {
            return await TokenCommand.RunAsync(args, output, error, cancellationToken).ConfigureAwait(false);
        }

        if (args[0] == "openapi")
        {
            return await OpenApiCommands.RunAsync(args, output, error, cancellationToken).ConfigureAwait(false);
        }

        if (args.Length < 2 || args[0] != "audit" || args[1] != "verify")
        {
            return await UsageErrorAsync(error, $"unknown command '{string.Join(' ', args.Take(2))}': the commands are 'audit verify', 'openapi compile', 'openapi lint', 'openapi diff' and 'token'.").ConfigureAwait(false);
        }

        var (options, problem) = ParseOptions(args.AsSpan(2));
        if (options is null)
        {
            return await UsageErrorAsync(error, problem!).ConfigureAwait(false);
        }

        var sources = new[] { options.ContainsKey("--files"), options.ContainsKey("--postgres"), options.ContainsKey("--s3") }.Count(b => b);
        if (sources != 1)
        {
            return await UsageErrorAsync(error, "give exactly one of --files, --postgres or --s3.").ConfigureAwait(false);
        }

        string source;
        AuditVerificationResult result;
        try
        {
            if (options.TryGetValue("--files", out var directory))
            {
                if (!Allowed(options, ["--files"], out problem))
                {
                    return await UsageErrorAsync(error, problem!).ConfigureAwait(false);
                }

                source = "files in " + directory;
                result = AuditLogVerifier.VerifyDirectory(directory);
            }
            else if (options.TryGetValue("--postgres", out var connectionString))
            {
                if (!Allowed(options, ["--postgres", "--schema", "--table"], out problem))
                {
                    return await UsageErrorAsync(error, problem!).ConfigureAwait(false);
                }

                var pg = new AuditPostgreSqlOptions
                {
                    ConnectionString = connectionString,
                    Schema = options.GetValueOrDefault("--schema", "public"),
                    TableName = options.GetValueOrDefault("--table", "audit_events"),
                };
                if (!IsIdentifier(pg.Schema) || !IsIdentifier(pg.TableName))
                {
                    return await UsageErrorAsync(error, "--schema and --table must be lower-case identifiers (letters, digits, '_').").ConfigureAwait(false);
                }

                source = $"PostgreSQL table {pg.Schema}.{pg.TableName}";
                result = await AuditLogVerifier.VerifyPostgreSqlAsync(pg, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (!Allowed(options, ["--s3", "--bucket", "--prefix", "--region", "--access-key", "--secret-key", "--virtual-host-style"], out problem))
                {
                    return await UsageErrorAsync(error, problem!).ConfigureAwait(false);
                }

                var (s3, s3Problem) = S3Options(options);
                if (s3 is null)
                {
                    return await UsageErrorAsync(error, s3Problem!).ConfigureAwait(false);
                }

                source = $"S3 bucket {s3.Bucket}, prefix '{s3.Prefix}'";
                result = await AuditLogVerifier.VerifyS3Async(s3, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsConnectionProblem(ex))
        {
            await error.WriteLineAsync($"error: cannot read the audit records ({ex.GetType().Name}): {ex.Message}").ConfigureAwait(false);
            return UsageOrConnectionError;
        }

        if (result.IsValid)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"verified {result.Records} records in {result.Chains} chain(s) ({source})")).ConfigureAwait(false);
            if (result.Records == 0)
            {
                await error.WriteLineAsync("warning: no audit records were found there; check the path, table or prefix.").ConfigureAwait(false);
            }

            return Verified;
        }

        await output.WriteLineAsync(Describe(result)).ConfigureAwait(false);
        return Broken;
    }

    internal static string Describe(AuditVerificationResult result)
    {
        var where = result.File ?? "?";
        if (result.Line is { } line)
        {
            where += result.File is not null && result.File.EndsWith(".jsonl", StringComparison.Ordinal) ? $" line {line}" : $" row {line}";
        }

        var which = (result.ChainId, result.Sequence) switch
        {
            (not null, not null) => $" (chain '{result.ChainId}', record {result.Sequence})",
            (not null, null) => $" (chain '{result.ChainId}')",
            (null, not null) => $" (record {result.Sequence})",
            _ => string.Empty,
        };
        return string.Create(CultureInfo.InvariantCulture, $"BROKEN at {where}{which}: {result.Problem}\n{result.Records} records verified before it.");
    }

    private static (AuditS3Options? Options, string? Problem) S3Options(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("--bucket", out var bucket))
        {
            return (null, "--s3 needs --bucket <bucket>.");
        }

        var url = options["--s3"];
        var s3 = new AuditS3Options
        {
            Bucket = bucket,
            Prefix = options.GetValueOrDefault("--prefix", "audit/"),
            Region = options.GetValueOrDefault("--region", "us-east-1"),
            AccessKey = options.GetValueOrDefault("--access-key"),
            SecretKey = options.GetValueOrDefault("--secret-key"),
        };
        if (!string.Equals(url, "aws", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                return (null, $"--s3 '{url}' must be an http(s) URL of an S3-compatible service, or 'aws'.");
            }

            s3.ServiceUrl = uri;
            s3.ForcePathStyle = !options.ContainsKey("--virtual-host-style");
        }

        if (string.IsNullOrEmpty(s3.AccessKey) != string.IsNullOrEmpty(s3.SecretKey))
        {
            return (null, "--access-key and --secret-key go together (or give neither for the default credentials).");
        }

        return (s3, null);
    }

    private static (Dictionary<string, string>? Options, string? Problem) ParseOptions(ReadOnlySpan<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                return (null, $"unexpected argument '{name}'.");
            }

            if (name == "--virtual-host-style")
            {
                options[name] = "true";
                continue;
            }

            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                return (null, $"{name} needs a value.");
            }

            if (!options.TryAdd(name, args[++i]))
            {
                return (null, $"{name} is given twice.");
            }
        }

        return (options, null);
    }

    private static bool Allowed(Dictionary<string, string> options, string[] allowed, out string? problem)
    {
        var unknown = options.Keys.FirstOrDefault(k => !allowed.Contains(k));
        problem = unknown is null ? null : $"{unknown} does not go with {allowed[0]}.";
        return unknown is null;
    }

    private static bool IsIdentifier(string name)
        => name.Length is > 0 and <= 63 && (char.IsAsciiLetterLower(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    private static bool IsConnectionProblem(Exception ex)
        => ex is Npgsql.NpgsqlException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException
            or IOException or UnauthorizedAccessException or HttpRequestException or SocketException or TimeoutException
            or ArgumentException or OperationCanceledException;

    private static async Task<int> UsageErrorAsync(TextWriter error, string problem)
    {
        await error.WriteLineAsync("error: " + problem).ConfigureAwait(false);
        await error.WriteLineAsync().ConfigureAwait(false);
        await error.WriteLineAsync(Usage).ConfigureAwait(false);
        return UsageOrConnectionError;
    }
}
