import type { EntityClass, EntityData } from '@mikro-orm/core';
import type { Orm } from './db';

/** A statement as it ran, for whoever listens (the query-plan test explains each one). */
export interface ReadQuery {
  sql: string;
  bindings: readonly unknown[];
}

type Param = string | number;
interface SqliteStatement {
  all(...params: Param[]): Record<string, unknown>[];
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
}
interface MysqlPool {
  query(sql: string, params: Param[], cb: (err: Error | null, rows: Record<string, unknown>[]) => void): void;
  end(cb: (err: Error | null) => void): void;
}
interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(conn: unknown): Promise<void>;
  /** What knex hands the driver for each connection it opens (MikroORM's options: time zone, date strings, socket…). */
  connectionSettings: Record<string, unknown>;
  /** The mysql2 module, on MySQL. */
  driver: { createPool(options: Record<string, unknown>): MysqlPool };
}

/**
 * Connections of ReadDb's own pool on MySQL, besides the ORM's 20. A read holds one for a single
 * statement (about 0.1–0.3 ms on the bills page), so a few serve many concurrent requests.
 */
const READ_POOL_SIZE = 10;

/**
 * Fixed SELECTs for the hottest reads (the account list, the bills tab, ticket pages and the staff
 * queue), run straight on a connection: no query building, no entities. On SQLite it is the ORM's one
 * connection, and each statement is prepared once. On MySQL it is one of a small pool of ReadDb's
 * own, opened with the ORM's connection settings (so values come back as the ORM's do) through
 * mysql2's pool: taking a connection from the ORM's pool (knex and tarn: a timer and a chain of
 * promises each time) cost more CPU than the rest of the read. The SQL is written once, with `?` placeholders and
 * back-quoted names, which SQLite and MySQL both read. Writes never come here: they stay in the
 * ORM, in transactions. Never call this inside a transaction: on SQLite the pool has one
 * connection, which the transaction holds.
 */
export class ReadDb {
  private readonly statements = new WeakMap<object, Map<string, SqliteStatement>>();
  private readonly listeners: Array<(q: ReadQuery) => void> = [];
  private pool?: MysqlPool;

  constructor(
    private readonly orm: Orm,
    private readonly dialect: 'sqlite' | 'mysql',
  ) {}

  /** Rows as the database returns them: column names, driver types. */
  async rows<T extends Record<string, unknown>>(sql: string, params: readonly Param[]): Promise<T[]> {
    for (const l of this.listeners) l({ sql, bindings: params });
    if (this.dialect === 'mysql') {
      const pool = this.mysqlPool();
      return new Promise<T[]>((resolve, reject) => {
        pool.query(sql, [...params], (err, rows) => (err ? reject(err) : resolve(rows as T[])));
      });
    }
    const client = this.knexClient();
    const conn = await client.acquireConnection();
    try {
      return this.statement(conn as SqliteDatabase, sql).all(...params) as T[];
    } finally {
      await client.releaseConnection(conn);
    }
  }

  /** Closes ReadDb's own connections (MySQL), if it opened any; call it before closing the ORM. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await new Promise<void>((resolve, reject) => pool.end((err) => (err ? reject(err) : resolve())));
  }

  private knexClient(): KnexClient {
    return this.orm.em.getKnex().client as KnexClient;
  }

  /** The pool, opened at the first read. Like the ORM's, it gives up connecting after 5 s (the request answers 503). */
  private mysqlPool(): MysqlPool {
    if (!this.pool) {
      const client = this.knexClient();
      this.pool = client.driver.createPool({ ...client.connectionSettings, connectionLimit: READ_POOL_SIZE, connectTimeout: 5_000 });
    }
    return this.pool;
  }

  /** Rows of one entity's table, mapped to its properties and types exactly as the ORM maps them. */
  async entities<T extends object>(entity: EntityClass<T>, sql: string, params: readonly Param[]): Promise<EntityData<T>[]> {
    const meta = this.orm.getMetadata().get<T>(entity.name);
    const driver = this.orm.em.getDriver();
    return (await this.rows(sql, params)).map((r) => driver.mapResult(r as EntityData<T>, meta) as EntityData<T>);
  }

  /** A Date as a DATETIME parameter, as the ORM stores it: epoch ms on SQLite, a UTC DATETIME(3) on MySQL (see `dateOrNull`). */
  datetime(d: Date): Param {
    return this.dialect === 'sqlite' ? d.getTime() : d.toISOString().replace('T', ' ').slice(0, 23);
  }

  /** Calls `listener` with every statement run here. */
  onQuery(listener: (q: ReadQuery) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  private statement(db: SqliteDatabase, sql: string): SqliteStatement {
    let cache = this.statements.get(db);
    if (!cache) this.statements.set(db, (cache = new Map()));
    let st = cache.get(sql);
    if (!st) {
      // IN lists of different lengths are different statements; a handful of lengths is the norm.
      if (cache.size >= 500) cache.clear();
      cache.set(sql, (st = db.prepare(sql)));
    }
    return st;
  }
}

/** `?, ?, ?` for an IN list of n values (n ≥ 1). */
export function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/**
 * A DATETIME column as a driver returns it outside the ORM: SQLite (as the ORM stores it) epoch
 * milliseconds, MySQL a \`YYYY-MM-DD HH:MM:SS.fff\` string in UTC (the ORM's connection time zone).
 */
export function dateOrNull(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  if (typeof value === 'string') return /^\d+$/.test(value) ? new Date(Number(value)) : new Date(`${value.replace(' ', 'T')}Z`);
  throw new TypeError(`not a date: ${String(value)}`);
}
