using System.Data;
using System.Data.Common;
using Npgsql;

namespace Msil.Mcp.Registry.Store;

/// <summary>
/// The production store: the tables in one PostgreSQL schema (<c>Msil:Mcp:Registry:Schema</c>). Creating and migrating the
/// schema, and every write, take a transaction-scoped advisory lock, so instances that start or import together are
/// serialised instead of racing.
/// </summary>
internal sealed class PostgreSqlToolStore : SqlToolStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;

    public PostgreSqlToolStore(string connectionString, string schema, TimeProvider time)
        : base(time)
    {
        _schema = schema;
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        Fingerprint = $"postgresql:{b.Host}:{b.Port}/{b.Database}/{schema}";
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public override string Kind => "postgresql";

    public override string Fingerprint { get; }

    public override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await LockAsync(connection, transaction, "schema", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, $"CREATE SCHEMA IF NOT EXISTS \"{_schema}\";", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, CreateTablesSql("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ"), cancellationToken).ConfigureAwait(false);
                await CheckSchemaVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    protected override string Table(string name) => $"\"{_schema}\".\"{name}\"";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
        => await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        try
        {
            await LockAsync(connection, transaction, "write", cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override async ValueTask<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken)
        => await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);

    private async Task LockAsync(DbConnection connection, DbTransaction transaction, string what, CancellationToken cancellationToken)
    {
        var command = Command(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext(@what), hashtext(@schema))");
        await using (command.ConfigureAwait(false))
        {
            Add(command, "what", "msil.mcp.registry." + what);
            Add(command, "schema", _schema);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
