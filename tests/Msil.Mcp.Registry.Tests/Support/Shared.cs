namespace Msil.Mcp.Registry.Tests.Support;

/// <summary>The shared test services (PostgreSQL, Redis) from the environment; tests fail, never skip, when one is missing.</summary>
internal static class Shared
{
    public static string PostgreSql => Get("TEST_POSTGRES_CONNECTION_STRING", "PostgreSQL");

    public static string Redis => Get("REDIS_CONNECTION_STRING", "Redis");

    /// <summary>A PostgreSQL schema name no other test run uses.</summary>
    public static string UniqueSchema() => "test_registry_" + Guid.NewGuid().ToString("N")[..12];

    public static async Task DropSchemaAsync(string schema)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(PostgreSql);
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private static string Get(string variable, string what) => Msil.Mcp.TestSupport.TestServiceContainers.Require(variable, "a real " + what);
}
