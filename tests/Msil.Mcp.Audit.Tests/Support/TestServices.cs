using Npgsql;

namespace Msil.Mcp.Audit.Tests.Support;

/// <summary>The real services the integration tests use; they fail (never skip) when a setting is missing.</summary>
internal static class TestServices
{
    public static string PostgresConnectionString => Require("TEST_POSTGRES_CONNECTION_STRING", "PostgreSQL");

    /// <summary>S3 options for s3rver with a key prefix no other test uses.</summary>
    public static AuditS3Options S3(string? prefix = null) => new()
    {
        ServiceUrl = new Uri(Require("S3_SERVICE_URL", "the S3-compatible server")),
        Bucket = Require("S3_BUCKET", "the S3-compatible server"),
        AccessKey = Require("S3_ACCESS_KEY", "the S3-compatible server"),
        SecretKey = Require("S3_SECRET_KEY", "the S3-compatible server"),
        Region = Environment.GetEnvironmentVariable("S3_REGION") is { Length: > 0 } region ? region : "us-east-1",
        ForcePathStyle = true,
        DisableChunkEncoding = true,
        ObjectLockMode = AuditObjectLockMode.Compliance,
        RetentionDays = 1,
        Prefix = prefix ?? UniquePrefix(),
    };

    public static string UniquePrefix() => $"tests/audit-{Guid.NewGuid():N}/";

    private static string Require(string name, string what) => Msil.Mcp.TestSupport.TestServiceContainers.Require(name, what);
}

/// <summary>A database of the test class's own (CREATE DATABASE t_…), dropped afterwards.</summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    private string? _name;

    public string ConnectionString { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        var admin = TestServices.PostgresConnectionString;
        _name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{_name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = _name, Pooling = true }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_name is null)
        {
            return;
        }

        // Cleanup only: a shipper's reconnect can race the drop now and then (it once failed a CI run as a class cleanup
        // failure). Try a few times; a database left behind has a unique name and goes with the test server's data.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                await using var connection = new NpgsqlConnection(TestServices.PostgresConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                System.Diagnostics.Trace.WriteLine($"Dropping test database {_name}, attempt {attempt}: {ex.Message}");
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
    }

    /// <summary>The connection string of this database for another host and port (a proxy in front of it).</summary>
    public string Through(int port) => new NpgsqlConnectionStringBuilder(ConnectionString) { Host = "127.0.0.1", Port = port, Timeout = 3, CommandTimeout = 5 }.ConnectionString;

    public async Task<long> ScalarAsync(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}

/// <summary>A temporary folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "msil-audit-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file; the OS temp cleaner gets it.
        }
    }
}
