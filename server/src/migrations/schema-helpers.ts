import type { Knex } from '@mikro-orm/knex';
import type { Migration } from '@mikro-orm/migrations';

/**
 * The character set and collation of every MySQL/MariaDB table. Chinese names and addresses need
 * more than latin1, and only utf8mb4 (not MySQL's 3-byte `utf8`) holds every character, emoji included.
 */
export const MYSQL_CHARSET = 'utf8mb4';
export const MYSQL_COLLATION = 'utf8mb4_unicode_ci';

/**
 * Migrations describe tables with knex's schema builder so that one migration produces the right
 * DDL for both SQLite and MySQL/MariaDB. This turns a builder into the statements the migration runs.
 * On MySQL every table it creates is utf8mb4 whatever the database's default character set, which
 * may be latin1 on a server nobody configured for it.
 */
export function addSchema(migration: Migration, build: (schema: Knex.SchemaBuilder) => Knex.SchemaBuilder): void {
  const knex = migration.getKnex();
  // A fresh builder each time: a knex schema builder accumulates every statement made on it.
  const schema = knex.schema;
  if (knex.client.dialect === 'mysql') {
    const createTable = schema.createTable.bind(schema);
    schema.createTable = (name, callback) =>
      createTable(name, (t) => {
        t.charset(MYSQL_CHARSET);
        t.collate(MYSQL_COLLATION);
        callback(t);
      });
  }
  for (const statement of build(schema).toSQL()) {
    migration.addSql(knex.raw(statement.sql, statement.bindings as Knex.RawBinding[]));
  }
}

/** Timestamp column with millisecond precision on MySQL. */
export function timestamp(t: Knex.CreateTableBuilder, name: string, nullable = false): void {
  const col = t.datetime(name, { precision: 3 });
  if (nullable) col.nullable();
  else col.notNullable();
}
