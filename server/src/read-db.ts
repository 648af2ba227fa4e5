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
interface MysqlConnection {
  query(sql: string, params: Param[], cb: (err: Error | null, rows: Record<string, unknown>[]) => void): void;
}
interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(conn: unknown): Promise<void>;
}

/**
 * Fixed SELECTs for the hottest reads (the account list, the bills tab, ticket pages and the staff
 * queue), run straight on the connection the ORM's pool hands out: no query building, no entities,
 * and on SQLite each statement is prepared once per connection. The SQL is written once, with `?` placeholders and
 * back-quoted names, which SQLite and MySQL both read. Writes never come here: they stay in the
 * ORM, in transactions. Never call this inside a transaction: on SQLite the pool has one
 * connection, which the transaction holds.
 */
export class ReadDb {
  private readonly statements = new WeakMap<object, Map<string, SqliteStatement>>();
  private readonly listeners: Array<(q: ReadQuery) => void> = [];

  constructor(
    private readonly orm: Orm,
    private readonly dialect: 'sqlite' | 'mysql',
  ) {}

  /** Rows as the database returns them: column names, driver types. */
  async rows<T extends Record<string, unknown>>(sql: string, params: readonly Param[]): Promise<T[]> {
    for (const l of this.listeners) l({ sql, bindings: params });
    const client = this.orm.em.getKnex().client as KnexClient;
    const conn = await client.acquireConnection();
    try {
      if (this.dialect === 'sqlite') return this.statement(conn as SqliteDatabase, sql).all(...params) as T[];
      return await new Promise<T[]>((resolve, reject) => {
        (conn as MysqlConnection).query(sql, [...params], (err, rows) => (err ? reject(err) : resolve(rows as T[])));
      });
    } finally {
      await client.releaseConnection(conn);
    }
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
