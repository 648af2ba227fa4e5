import type { Knex } from '@mikro-orm/knex';
import type { Migration } from '@mikro-orm/migrations';

/**
 * Migrations describe tables with knex's schema builder so that one migration produces the right
 * DDL for both SQLite and MySQL/MariaDB. This turns a builder into the statements the migration runs.
 */
export function addSchema(migration: Migration, build: (schema: Knex.SchemaBuilder) => Knex.SchemaBuilder): void {
  // A fresh builder each time: a knex schema builder accumulates every statement made on it.
  for (const statement of build(migration.getKnex().schema).toSQL()) {
    migration.addSql(migration.getKnex().raw(statement.sql, statement.bindings as Knex.RawBinding[]));
  }
}

/** Timestamp column with millisecond precision on MySQL. */
export function timestamp(t: Knex.CreateTableBuilder, name: string, nullable = false): void {
  const col = t.datetime(name, { precision: 3 });
  if (nullable) col.nullable();
  else col.notNullable();
}
