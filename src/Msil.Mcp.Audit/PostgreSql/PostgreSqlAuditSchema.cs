using Npgsql;

namespace Msil.Mcp.Audit.PostgreSql;

/// <summary>
/// The audit table: <c>{schema}.{table}</c>, partitioned by month on <c>ts</c>, primary key
/// <c>(chain_id, seq, ts)</c>; a trigger refuses <c>UPDATE</c>, <c>DELETE</c> and <c>TRUNCATE</c> whoever asks (the
/// owner included, unless the owner first disables the trigger, which verification then catches); a
/// security-definer function creates month partitions so an insert-only writer role never needs DDL rights.
/// Creating it is idempotent and serialised by an advisory lock, so replicas may start together.
/// </summary>
internal static class PostgreSqlAuditSchema
{
    /// <summary>The text of the trigger's error, for tests and for operators searching logs.</summary>
    public const string RejectMessage = "audit records are append-only";

    public static string Table(AuditPostgreSqlOptions o) => $"\"{o.Schema}\".\"{o.TableName}\"";

    public static string EnsurePartitionFunction(AuditPostgreSqlOptions o) => $"\"{o.Schema}\".\"{o.TableName}_ensure_partition\"";

    /// <summary>Creates or checks the schema; re-enables the append-only trigger if someone disabled it.</summary>
    public static async Task EnsureAsync(NpgsqlDataSource dataSource, AuditPostgreSqlOptions o, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionLifetime = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionLifetime = transaction.ConfigureAwait(false);
        var command = new NpgsqlCommand(Sql(o), connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime>("now", now.UtcDateTime));
            command.Parameters.Add(new NpgsqlParameter<DateTime>("next", now.UtcDateTime.AddMonths(1)));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Sql(AuditPostgreSqlOptions o)
    {
        var s = o.Schema;
        var t = o.TableName;
        var table = Table(o);
        var reject = $"\"{s}\".\"{t}_reject_change\"";
        var ensure = EnsurePartitionFunction(o);
        var grants = string.IsNullOrWhiteSpace(o.WriterRole)
            ? string.Empty
            : $"""
              GRANT USAGE ON SCHEMA "{s}" TO "{o.WriterRole}";
              GRANT INSERT, SELECT ON {table} TO "{o.WriterRole}";
              GRANT EXECUTE ON FUNCTION {ensure}(timestamptz) TO "{o.WriterRole}";
              """;
        return $$"""
            SELECT pg_advisory_xact_lock(hashtext('msil.mcp.audit'), hashtext('{{s}}.{{t}}'));
            DO $do$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '{{s}}') THEN CREATE SCHEMA "{{s}}"; END IF;
            END $do$;
            CREATE TABLE IF NOT EXISTS {{table}} (
              chain_id       text        NOT NULL,
              seq            bigint      NOT NULL,
              ts             timestamptz NOT NULL,
              id             text        NOT NULL,
              action         text        NOT NULL,
              outcome        text        NOT NULL,
              user_id        text,
              tool           text,
              decision       text,
              correlation_id text,
              prev_hash      text        NOT NULL,
              hash           text        NOT NULL,
              record         text        NOT NULL,
              shipped_at     timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (chain_id, seq, ts)
            ) PARTITION BY RANGE (ts);
            CREATE INDEX IF NOT EXISTS "{{t}}_ts_idx" ON {{table}} (ts);
            CREATE INDEX IF NOT EXISTS "{{t}}_user_idx" ON {{table}} (user_id, ts);
            CREATE INDEX IF NOT EXISTS "{{t}}_tool_idx" ON {{table}} (tool, ts);
            CREATE OR REPLACE FUNCTION {{reject}}() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
              RAISE EXCEPTION '{{RejectMessage}}: % on %.% is refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Audit records are never updated or deleted; see docs/audit.md.';
            END $f$;
            DO $do$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = '{{table}}'::regclass AND tgname = '{{t}}_append_only') THEN
                CREATE TRIGGER "{{t}}_append_only" BEFORE UPDATE OR DELETE ON {{table}} FOR EACH ROW EXECUTE FUNCTION {{reject}}();
              END IF;
              IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = '{{table}}'::regclass AND tgname = '{{t}}_no_truncate') THEN
                CREATE TRIGGER "{{t}}_no_truncate" BEFORE TRUNCATE ON {{table}} FOR EACH STATEMENT EXECUTE FUNCTION {{reject}}();
              END IF;
            END $do$;
            ALTER TABLE {{table}} ENABLE TRIGGER "{{t}}_append_only";
            ALTER TABLE {{table}} ENABLE TRIGGER "{{t}}_no_truncate";
            DO $do$ DECLARE r record; BEGIN
              FOR r IN SELECT inhrelid::regclass AS c FROM pg_inherits WHERE inhparent = '{{table}}'::regclass LOOP
                EXECUTE format('ALTER TABLE %s ENABLE TRIGGER USER', r.c);
              END LOOP;
            END $do$;
            CREATE OR REPLACE FUNCTION {{ensure}}(p_ts timestamptz) RETURNS text
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
            DECLARE
              m_start timestamp := date_trunc('month', p_ts AT TIME ZONE 'UTC');
              part text := '{{t}}_y' || to_char(m_start, 'YYYY') || 'm' || to_char(m_start, 'MM');
            BEGIN
              IF to_regclass(format('%I.%I', '{{s}}', part)) IS NULL THEN
                PERFORM pg_advisory_xact_lock(hashtext('msil.mcp.audit.partition'), hashtext('{{s}}.{{t}}'));
                IF to_regclass(format('%I.%I', '{{s}}', part)) IS NULL THEN
                  EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                    '{{s}}', part, '{{s}}', '{{t}}', m_start AT TIME ZONE 'UTC', (m_start + interval '1 month') AT TIME ZONE 'UTC');
                  EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I.%I FOR EACH STATEMENT EXECUTE FUNCTION %s()',
                    '{{t}}_no_truncate', '{{s}}', part, '{{reject}}');
                END IF;
              END IF;
              RETURN part;
            END $f$;
            REVOKE ALL ON FUNCTION {{ensure}}(timestamptz) FROM PUBLIC;
            REVOKE UPDATE, DELETE, TRUNCATE ON {{table}} FROM PUBLIC;
            {{grants}}
            SELECT {{ensure}}(@now), {{ensure}}(@next);
            """;
    }
}
