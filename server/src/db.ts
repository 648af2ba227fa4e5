import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MikroORM, RequestContext, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { AbstractSqlDriver, EntityManager } from '@mikro-orm/knex';
import type { Logger } from 'pino';
import type { AppConfig } from './config';
import { entities } from './entities';
import { migrations } from './migrations';
import { MYSQL_CHARSET, MYSQL_COLLATION } from './migrations/schema-helpers';

export type Orm = MikroORM<AbstractSqlDriver>;
export type Em = EntityManager;

/** One request's entity manager: forked from the global one the first time the request uses the ORM. */
class RequestScope {
  private fork?: Em;
  private forking = false;

  constructor(private readonly root: Em) {}

  em(name: string): Em | undefined {
    // While the fork is being built it asks for its context too: it is not the request's yet.
    if (name !== this.root.name || this.forking) return undefined;
    if (!this.fork) {
      this.forking = true;
      try {
        this.fork = this.root.fork({ useContext: true, disableContextResolution: true });
      } finally {
        this.forking = false;
      }
    }
    return this.fork;
  }
}

const requestScope = new AsyncLocalStorage<RequestScope>();

/**
 * Runs `next` as one request: every use of `orm.em` inside it goes to the request's own fork, as
 * with MikroORM's `RequestContext.create`, but the fork is made only when the request first uses
 * the ORM. Reads served from caches and through `ReadDb` (a signed-in bills page, say) never do,
 * and a fork costs about 13 µs of CPU.
 */
export function withRequestEm<T>(em: Em, next: () => T): T {
  return requestScope.run(new RequestScope(em), next);
}

/** The ORM's `context` option: the request's fork, else one made by `RequestContext.create` (tests). */
function contextEm(name: string): Em | undefined {
  return requestScope.getStore()?.em(name) ?? (RequestContext.getEntityManager(name) as Em | undefined);
}

function baseOptions(config: AppConfig, logger?: Logger): Partial<Options> {
  return {
    entities,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    context: contextEm,
    debug: config.db.debug,
    logger: (message) => logger?.debug({ orm: message }),
    extensions: [Migrator],
    migrations: {
      migrationsList: migrations,
      tableName: 'schema_migrations',
      // MySQL commits DDL implicitly, so a transaction around a migration promises nothing there;
      // SQLite's DDL is transactional and a failed migration rolls back whole.
      transactional: config.db.type === 'sqlite',
      allOrNothing: config.db.type === 'sqlite',
      snapshot: false,
      emit: 'ts',
    },
  };
}

/**
 * Opens the database chosen by configuration: the embedded SQLite file (default) or MySQL/MariaDB.
 * The schema is not touched here; call `migrateUp` (start-up does) to apply migrations.
 */
export async function initORM(config: AppConfig, logger?: Logger): Promise<Orm> {
  if (config.db.type === 'sqlite') {
    if (config.db.path !== ':memory:') mkdirSync(path.dirname(config.db.path), { recursive: true });
    const { BetterSqliteDriver } = await import('@mikro-orm/better-sqlite');
    const orm = await MikroORM.init({
      ...baseOptions(config, logger),
      driver: BetterSqliteDriver,
      dbName: config.db.path,
      pool: { min: 1, max: 1 },
    } as Options);
    const conn = orm.em.getConnection();
    // WAL lets readers proceed while a writer commits; busy_timeout makes a second writer wait
    // instead of failing straight away with SQLITE_BUSY.
    await conn.execute('pragma journal_mode = WAL');
    await conn.execute('pragma busy_timeout = 5000');
    await conn.execute('pragma foreign_keys = ON');
    return orm as unknown as Orm;
  }
  const { MySqlDriver } = await import('@mikro-orm/mysql');
  const orm = await MikroORM.init({
    ...baseOptions(config, logger),
    driver: MySqlDriver,
    clientUrl: config.db.url,
    timezone: '+00:00',
    pool: { min: 0, max: 20 },
    // Said outright rather than left to the server's defaults, which may be latin1. The connection
    // itself is utf8mb4 already (mysql2's default, utf8mb4_unicode_ci); knex would take a charset
    // given there for every table it creates, and a collation name is not a character set.
    charset: MYSQL_CHARSET,
    collate: MYSQL_COLLATION,
    driverOptions: {
      // A database that cannot be reached answers the request with 503 in seconds (the error
      // middleware), not after knex's default minute of retrying to connect.
      acquireConnectionTimeout: 5_000,
      // On the same host a Unix socket spares each round trip the loopback TCP stack.
      ...(config.db.socketPath ? { connection: { socketPath: config.db.socketPath } } : {}),
    },
  } as Options);
  return orm as unknown as Orm;
}

/**
 * Applies pending migrations; returns the names applied. On MySQL the text columns are checked
 * before (tables an older version created) and after (what the migrations created).
 */
export async function migrateUp(orm: Orm): Promise<string[]> {
  await checkCharset(orm);
  const applied = await orm.getMigrator().up();
  await checkCharset(orm);
  return applied.map((m) => m.name);
}

/** Text columns named in the start-up refusal before the rest are only counted. */
const CHARSET_REPORT_MAX = 10;

/**
 * On MySQL/MariaDB, refuses to go on when a text column is not utf8mb4: a Chinese name or address
 * written to it would fail (or lose characters), far from the cause. Tables created by the
 * migrations are utf8mb4 (see `addSchema`); one left from a database created latin1 is not.
 */
export async function checkCharset(orm: Orm): Promise<void> {
  const conn = orm.em.getConnection();
  if (conn.getKnex().client.dialect !== 'mysql') return;
  const wrong = await conn.execute<{ tableName: string; columnName: string; charset: string }[]>(
    'select table_name as tableName, column_name as columnName, character_set_name as charset from information_schema.columns ' +
      'where table_schema = database() and character_set_name is not null and character_set_name <> ? and table_name <> ? ' +
      'order by table_name, ordinal_position',
    // The migrator creates its own table with the database's default; it holds only ASCII migration names.
    [MYSQL_CHARSET, orm.config.get('migrations').tableName ?? 'schema_migrations'],
  );
  if (wrong.length === 0) return;
  const named = wrong.slice(0, CHARSET_REPORT_MAX).map((c) => `${c.tableName}.${c.columnName} (${c.charset})`);
  if (wrong.length > CHARSET_REPORT_MAX) named.push(`and ${wrong.length - CHARSET_REPORT_MAX} more`);
  const tables = [...new Set(wrong.map((c) => c.tableName))];
  throw new Error(
    `The database's text columns must be ${MYSQL_CHARSET} to hold Chinese text; these are not: ${named.join(', ')}. ` +
      `Back up, then convert each of these tables (${tables.join(', ')}) with ALTER TABLE \`<table>\` CONVERT TO CHARACTER SET ${MYSQL_CHARSET} COLLATE ${MYSQL_COLLATION}; ` +
      `create new databases with CHARACTER SET ${MYSQL_CHARSET} COLLATE ${MYSQL_COLLATION}.`,
  );
}

/** Names of migrations known to the code but not applied to the database. */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const pending = await orm.getMigrator().getPendingMigrations();
  return pending.map((m) => m.name);
}
