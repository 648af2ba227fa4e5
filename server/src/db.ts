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
    // On the same host a Unix socket spares each round trip the loopback TCP stack.
    ...(config.db.socketPath ? { driverOptions: { connection: { socketPath: config.db.socketPath } } } : {}),
  } as Options);
  return orm as unknown as Orm;
}

/** Applies pending migrations; returns the names applied. */
export async function migrateUp(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

/** Names of migrations known to the code but not applied to the database. */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const pending = await orm.getMigrator().getPendingMigrations();
  return pending.map((m) => m.name);
}
