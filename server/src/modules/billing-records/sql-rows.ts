import type { EntityData, EntityProperty } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';

/**
 * Plain multi-row statements for the import's chunks, in the caller's transaction. At a thousand
 * records a chunk the query builder and entity hydration cost more than the database did (they map,
 * re-key and wrap every value of every row), and formatting every value into the SQL text cost a
 * quarter of each INSERT; so chunks read and write rows directly, with bound parameters, on the
 * transaction's connection (prepared once per shape on SQLite). Table and
 * column names come from the ORM's metadata, values are converted as the ORM converts them (dates
 * for the dialect on the way in, `mapResult` on the way out), and database errors come out as the
 * ORM's exceptions (a unique violation is a UniqueConstraintViolationException).
 */

/** Bound parameters per statement: under SQLite's 32,766 and well within MySQL's packet. */
const MAX_PARAMS = 30_000;
/** Values per IN list. */
const IN_CHUNK = 1_000;

type Props<T> = ReadonlyArray<keyof T & string>;

function columnOf(tx: EntityManager, entityName: string, prop: string): string {
  const p = (tx.getMetadata().get(entityName).properties as Record<string, EntityProperty | undefined>)[prop];
  if (!p) throw new Error(`${entityName} has no property ${prop}`);
  return tx.getPlatform().quoteIdentifier(p.fieldNames[0]);
}

interface SqliteStatement {
  reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
}
interface MysqlConnection {
  query(sql: string, params: readonly unknown[], cb: (err: Error | null, rows: unknown) => void): void;
}
/** The transaction's own connection, as knex holds it for the transaction. */
interface KnexTransaction {
  client: { acquireConnection(): Promise<unknown> };
}

/** Prepared statements per SQLite connection (a chunk's statements repeat, chunk after chunk). */
const prepared = new WeakMap<object, Map<string, SqliteStatement>>();
const PREPARED_KEPT = 64;

/**
 * Runs one statement with bound parameters on the transaction's own connection, through the
 * driver directly: knex's binding rewrite and the ORM's formatting were a fifth of a chunk's time.
 * `all` answers the rows; `run` nothing.
 */
async function run<T>(tx: EntityManager, sql: string, params: readonly unknown[], method: 'all' | 'run'): Promise<T> {
  const ctx = tx.getTransactionContext() as KnexTransaction | undefined;
  if (!ctx) throw new Error('billing import statements run in a transaction');
  const connection = await ctx.client.acquireConnection();
  try {
    if (tx.getPlatform().constructor.name.includes('Sqlite')) {
      const db = connection as SqliteDatabase;
      let cache = prepared.get(db);
      if (!cache) prepared.set(db, (cache = new Map()));
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= PREPARED_KEPT) cache.delete(cache.keys().next().value!);
        cache.set(sql, (statement = db.prepare(sql)));
      }
      return (method === 'all' || statement.reader ? statement.all(...params) : (statement.run(...params), undefined)) as T;
    }
    return await new Promise<T>((resolve, reject) => (connection as MysqlConnection).query(sql, params, (err, rows) => (err ? reject(err) : resolve((method === 'all' ? rows : undefined) as T))));
  } catch (err) {
    throw tx.getPlatform().getExceptionConverter().convertException(err as Error);
  }
}

/** The text of a multi-row INSERT, kept by its shape: a chunk's statements repeat, chunk after chunk. */
const insertTexts = new Map<string, string>();
function insertText(head: string, tuple: string, count: number, tail: string): string {
  const key = `${head}|${count}|${tail}`;
  let text = insertTexts.get(key);
  if (!text) {
    if (insertTexts.size > 64) insertTexts.clear();
    insertTexts.set(key, (text = head + new Array(count).fill(tuple).join(', ') + tail));
  }
  return text;
}

/** Whether `insert … returning` is available: SQLite 3.35+ and MariaDB 10.5+ have it, MySQL has not. Asked once per database. */
const returningSupport = new WeakMap<object, Promise<boolean>>();
function supportsReturning(tx: EntityManager): Promise<boolean> {
  const key = tx.getConnection().getKnex();
  let known = returningSupport.get(key);
  if (!known) {
    known = (async () => {
      if (tx.getPlatform().constructor.name.includes('Sqlite')) return true;
      const [row] = await run<Array<{ v: string }>>(tx, 'select version() as v', [], 'all');
      const m = /^(\d+)\.(\d+).*mariadb/i.exec(String(row?.v ?? ''));
      return m !== null && (Number(m[1]) > 10 || (Number(m[1]) === 10 && Number(m[2]) >= 5));
    })();
    returningSupport.set(key, known);
  }
  return known;
}

/**
 * INSERTs `rows` (every row with the same properties as the first), as few statements as the
 * parameter limit allows. With `returning`, answers those properties of the rows written (their
 * ids): from the INSERT itself where the database can (`returning`), else read back by `key`.
 */
export async function insertRows<T extends object, R extends keyof T & string = never>(
  tx: EntityManager,
  entity: new () => T,
  rows: ReadonlyArray<Partial<T>>,
  returning?: { props: readonly R[]; key: keyof T & string },
): Promise<Array<Pick<T, R>>> {
  if (rows.length === 0) return [];
  const platform = tx.getPlatform();
  const meta = tx.getMetadata().get<T>(entity.name);
  const props = Object.keys(rows[0]) as unknown as Props<T>;
  const columns = props.map((p) => columnOf(tx, entity.name, p));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const head = `insert into ${platform.quoteIdentifier(meta.tableName)} (${columns.join(', ')}) values `;
  const inline = returning && (await supportsReturning(tx));
  const tail = inline ? ` returning ${returning.props.map((p) => columnOf(tx, entity.name, p)).join(', ')}` : '';
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / props.length));
  const out: Array<Pick<T, R>> = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const slice = rows.slice(i, i + perStatement);
    const params: unknown[] = [];
    for (const row of slice) {
      for (const p of props) {
        const v = row[p] as unknown;
        params.push(v instanceof Date ? platform.processDateProperty(v) : typeof v === 'boolean' ? Number(v) : v === undefined ? null : v);
      }
    }
    const sql = insertText(head, tuple, slice.length, tail);
    if (!inline) {
      await run(tx, sql, params, 'run');
      continue;
    }
    const written = await run<Array<Record<string, unknown>>>(tx, sql, params, 'all');
    for (const r of written) out.push(tx.getDriver().mapResult(r as EntityData<T>, meta) as unknown as Pick<T, R>);
  }
  if (returning && !inline) {
    const keys = rows.map((r) => r[returning.key] as unknown as string | number);
    return selectIn(tx, entity, returning.props, returning.key, keys);
  }
  return out;
}

/**
 * The given properties of the rows whose `key` is one of `values` (and that match `also`, simple
 * equalities), as the ORM would map them but without making entities.
 */
export async function selectIn<T extends object, P extends keyof T & string>(
  tx: EntityManager,
  entity: new () => T,
  props: readonly P[],
  key: keyof T & string,
  values: ReadonlyArray<string | number>,
  also: Partial<Record<keyof T & string, string | number>> = {},
): Promise<Array<Pick<T, P>>> {
  if (values.length === 0) return [];
  const meta = tx.getMetadata().get<T>(entity.name);
  const driver = tx.getDriver();
  const select = `select ${props.map((p) => columnOf(tx, entity.name, p)).join(', ')} from ${tx.getPlatform().quoteIdentifier(meta.tableName)} where `;
  const extra = Object.entries(also) as Array<[string, string | number]>;
  const out: Array<Pick<T, P>> = [];
  for (let i = 0; i < values.length; i += IN_CHUNK) {
    const chunk = values.slice(i, i + IN_CHUNK);
    const where = [`${columnOf(tx, entity.name, key)} in (${chunk.map(() => '?').join(', ')})`, ...extra.map(([p]) => `${columnOf(tx, entity.name, p)} = ?`)].join(' and ');
    const rows = await run<Array<Record<string, unknown>>>(tx, select + where, [...chunk, ...extra.map(([, v]) => v)], 'all');
    for (const r of rows) out.push(driver.mapResult(r as EntityData<T>, meta) as unknown as Pick<T, P>);
  }
  return out;
}
