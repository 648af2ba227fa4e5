import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeadlockException, LockWaitTimeoutException, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { billingRecordSchema, type BillingImportView, type ImportSource, type RecordOutcome, type RecordResult } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError } from '../../http/errors';
import { BATCH_ID, inletHmac, NDJSON, signatureMatches, timestampProblem } from '../../integrations/billing/billing.protocol';
import type { AuditActor, AuditService } from '../audit/audit.service';
import { instanceName, leaseFree, takeRow } from '../jobs/lease';
import { BillingImport } from './billing-import.entity';
import type { BalanceLedger } from '../prepaid/balance-ledger';
import { ChunkConflict, RecordApplier, type AccountCache, type NumberedRecord } from './record-applier';
import { LruMap } from '../../lru';

/** Records applied per transaction. */
export const CHUNK_RECORDS = 2_000;
/**
 * Accounts a run keeps as it last read or wrote them (about 200 bytes each): billing systems send a
 * batch in account order, so an account's bills come together and a few chunks' worth is enough.
 */
const ACCOUNTS_KEPT = 20_000;
/** A line longer than this is refused without being held whole. */
const MAX_LINE_BYTES = 256 * 1024;
/** How long a claim on an import holds without a checkpoint before another instance may resume it. */
const LEASE_MS = 2 * 60_000;
/** After a run stopped by an error (database, disk), how long before it is resumed. */
const RETRY_AFTER_MS = 30_000;
/** Times a chunk is read and applied again after a row changed under it. */
const CHUNK_ATTEMPTS = 5;
/** An import finished with at most this many records answers `?wait=true` with every result inline. */
export const INLINE_RESULTS_MAX = 1_000;

/** A line of a batch as read: its bytes and the offset just past it. */
interface Line {
  text: Buffer | null;
  end: number;
}

/** The signed headers of a batch. */
export interface BatchHeaders {
  batchId: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  contentType: string | undefined;
}

/**
 * The billing system's inlet: batches of records (NDJSON), received signed and spooled to disk,
 * then applied in chunks by one instance at a time (a lease on the import's row) from the last
 * checkpoint, so a batch of millions is never held in memory and an instance that dies mid-batch
 * is resumed by another (`resumeStale`, run by a job). Per-record outcomes are written to a
 * results file beside the batch; counts and progress are on the row.
 */
export class BillingImportsService {
  private readonly holder = instanceName();
  private readonly applier: RecordApplier;
  /** Runs of this instance, so waiting callers can await the one in progress. */
  private readonly running = new Map<number, Promise<void>>();

  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
    ledger: BalanceLedger,
  ) {
    this.applier = new RecordApplier(new Set(deps.config.operator.areas.map((a) => a.code)), () => deps.clock.now(), ledger);
  }

  private get dir(): string {
    return path.join(this.deps.config.dataDir, 'imports');
  }

  batchFile(id: number): string {
    return path.join(this.dir, `${id}.ndjson`);
  }

  resultsFile(id: number): string {
    return path.join(this.dir, `${id}.results.ndjson`);
  }

  // ---- receiving ----

  /**
   * `POST /integrations/billing/batches`: the signed body is spooled while its HMAC is computed and
   * read only once the signature matches. A batch id seen before is a replay: the import it made is
   * answered again (and nothing is applied twice). The import starts at once on this instance.
   */
  async receiveBatch(req: IncomingMessage, h: BatchHeaders): Promise<{ view: BillingImportView; replayed: boolean }> {
    const now = this.deps.clock.now();
    if (!h.contentType?.toLowerCase().startsWith(NDJSON)) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, `请以 ${NDJSON} 发送，每行一条记录`);
    }
    if (!h.batchId || !BATCH_ID.test(h.batchId)) throw signatureError('missing', '缺少或无效的 X-Billing-Batch-Id');
    const stale = timestampProblem(h.timestamp, now);
    if (stale) throw signatureError(stale, stale === 'stale' ? '时间戳超出允许范围（±5 分钟）' : '缺少 X-Billing-Timestamp');
    const hmac = inletHmac(this.deps.config.billing.secret, h.timestamp!, h.batchId);
    const spooled = await this.spool(req, (chunk) => hmac.update(chunk));
    if (!signatureMatches(h.signature, hmac.digest('hex'))) {
      await rm(spooled.file, { force: true });
      this.deps.logger.warn({ batchId: h.batchId }, 'billing batch refused: bad signature');
      throw signatureError('bad_signature', '签名无效');
    }
    const existing = await this.deps.orm.em.fork().findOne(BillingImport, { source: 'api', batchId: h.batchId });
    if (existing) {
      await rm(spooled.file, { force: true });
      return { view: viewOf(existing), replayed: true };
    }
    try {
      const imp = await this.register('api', h.batchId, null, spooled, null, { kind: 'system', id: null }, now);
      return { view: viewOf(imp), replayed: false };
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      // The same batch sent twice at once: one registered it.
      const imp = await this.deps.orm.em.fork().findOneOrFail(BillingImport, { source: 'api', batchId: h.batchId });
      return { view: viewOf(imp), replayed: true };
    }
  }

  /**
   * Registers a spooled batch (NDJSON) as an import and starts applying it: the row first (its id
   * names the files), then the file is moved into place, and the run starts in the background.
   */
  async register(source: ImportSource, batchId: string, fileName: string | null, spooled: { file: string; bytes: number }, staffId: number | null, actor: AuditActor, now: Date): Promise<BillingImport> {
    const imp = await this.deps.orm.em.fork().transactional(async (tx) => {
      const row = Object.assign(new BillingImport(), { source, batchId, fileName, status: 'queued' as const, bytes: spooled.bytes, staffId, createdAt: now });
      tx.persist(row);
      await tx.flush();
      this.audit.record(tx, actor, { action: 'billing.import_received', entityType: 'billing_import', entityId: row.id, detail: { source, batchId, fileName, bytes: spooled.bytes } }, now);
      return row;
    });
    await rename(spooled.file, this.batchFile(imp.id));
    this.start(imp.id);
    return imp;
  }

  /** Writes a request body (or any stream) to a temporary file in the imports folder, within the size limit. */
  async spool(body: Readable, onChunk?: (chunk: Buffer) => void): Promise<{ file: string; bytes: number }> {
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `incoming-${randomUUID()}`);
    const max = this.deps.config.billing.importMaxBytes;
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > max) return done(new AppError('PAYLOAD_TOO_LARGE', 413, `批次超过 ${Math.floor(max / 1024 / 1024)} MB，请拆分后发送`, { maxBytes: max }));
        onChunk?.(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(file));
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
    return { file, bytes };
  }

  // ---- applying ----

  /** Starts applying an import in the background on this instance (nothing if it already is). */
  start(id: number): Promise<void> {
    let run = this.running.get(id);
    if (!run) {
      run = this.run(id)
        .catch((err) => this.deps.logger.error({ err, importId: id }, 'billing import stopped; it resumes from its checkpoint'))
        .finally(() => this.running.delete(id));
      this.running.set(id, run);
    }
    return run;
  }

  /** Waits until the import is no longer being applied on this instance, then answers it as it stands. */
  async waitFor(id: number): Promise<BillingImportView> {
    await (this.running.get(id) ?? this.start(id));
    return this.getImport(id);
  }

  /** Imports whose instance stopped (lease expired) or that never started: resumed here. Run by a job. */
  async resumeStale(): Promise<number> {
    const now = this.deps.clock.now();
    const stale = await this.deps.orm.em.fork().find(
      BillingImport,
      { status: { $in: ['queued', 'running'] }, ...leaseFree('leaseUntil', now) },
      { fields: ['id'], orderBy: { id: 'asc' }, limit: 10 },
    );
    for (const { id } of stale) await this.start(id);
    return stale.length;
  }

  /**
   * Applies an import from its checkpoint to its end, if this instance gets its lease. Each chunk's
   * records and the checkpoint after it commit in one transaction; the chunk's results are written
   * to the results file first (at the checkpoint's length), so a crash between the two leaves them
   * to be written again over the same place.
   */
  private async run(id: number): Promise<void> {
    const em = this.deps.orm.em.fork();
    const now = this.deps.clock.now();
    // Free (never claimed, lease empty or past), or already this instance's: its own run resumes.
    const claimed = await takeRow(
      em,
      BillingImport,
      { id, status: { $in: ['queued', 'running'] }, $or: [{ claimedBy: null }, ...leaseFree('leaseUntil', now).$or, { claimedBy: this.holder }] },
      { status: 'running', claimedBy: this.holder, leaseUntil: new Date(now.getTime() + LEASE_MS) },
    );
    if (!claimed) return;
    const imp = await em.findOneOrFail(BillingImport, id, { disableIdentityMap: true });
    if (imp.startedAt === null) await em.nativeUpdate(BillingImport, { id }, { startedAt: now });
    const counts = { processedBytes: Number(imp.processedBytes), lines: imp.lines, records: imp.records, accepted: imp.accepted, unchanged: imp.unchanged, rejected: imp.rejected, resultsBytes: Number(imp.resultsBytes) };
    let results: FileHandle;
    try {
      await stat(this.batchFile(id));
      // Created if missing, then opened for writing at given offsets (append mode would ignore them).
      await (await open(this.resultsFile(id), 'a')).close();
      results = await open(this.resultsFile(id), 'r+');
    } catch (err) {
      await this.finish(id, 'failed', `批次文件无法读取：${(err as Error).message}`.slice(0, 500));
      return;
    }
    try {
      await results.truncate(counts.resultsBytes);
      let pending: Array<NumberedRecord | RecordResult> = [];
      let pendingRecords = 0;
      let end = counts.processedBytes;
      let lineNo = counts.lines;
      // The next chunk is read and parsed (CPU) while the database works on the one before (I/O).
      // On MySQL, where each chunk has a connection of its own, a chunk that names none of the
      // records of the one before also does its reading and writing meanwhile, and waits for it
      // only to commit: chunks always commit in order, each with its checkpoint, so the checkpoint
      // never passes a chunk that did not commit. At most two are in flight.
      let previous: { done: Promise<void>; keys: Set<string> } | null = null;
      const accounts: AccountCache = new LruMap(ACCOUNTS_KEPT);
      const overlap = this.deps.config.db.type === 'mysql';
      const flush = async () => {
        const items = pending;
        const [chunkEnd, chunkLine] = [end, lineNo];
        pending = [];
        pendingRecords = 0;
        const keys = keysOf(items);
        const before = previous;
        const alongside = before !== null && overlap && !sharesAny(keys, before.keys);
        if (before && !alongside) await before.done;
        const done = this.applyChunk(id, items, chunkEnd, chunkLine, counts, results, accounts, alongside ? before!.done : null);
        done.catch(() => undefined); // awaited later, where its error is thrown
        previous = { done, keys };
        // Two in flight at most: the next chunk is parsed while these work, then waits for the first.
        if (alongside) await before!.done;
      };
      for await (const line of readLines(this.batchFile(id), counts.processedBytes)) {
        lineNo++;
        end = line.end;
        const item = parseLine(line, lineNo);
        if (item === null) continue; // a blank line
        pending.push(item);
        if ('record' in item && ++pendingRecords >= CHUNK_RECORDS) await flush();
        else if (pending.length >= CHUNK_RECORDS * 2) await flush();
      }
      if (pending.length > 0 || lineNo > counts.lines) await flush();
      if (previous) await (previous as { done: Promise<void> }).done;
      await results.truncate(counts.resultsBytes);
      await this.finish(id, 'done', null);
    } catch (err) {
      // Not a record's fault (those are results): the database or the disk. The claim is given up,
      // so this or another instance resumes from the checkpoint after a pause.
      await this.deps.orm.em
        .fork()
        .nativeUpdate(BillingImport, { id, claimedBy: this.holder }, { claimedBy: null, leaseUntil: new Date(this.deps.clock.now().getTime() + RETRY_AFTER_MS), error: String((err as Error).message).slice(0, 500) })
        .catch(() => undefined);
      throw err;
    } finally {
      await results.close();
    }
  }

  /**
   * Applies one chunk (with retries when rows changed under it) and commits its checkpoint. With
   * `after` (the chunk before, running alongside), it commits only once that one has: its results
   * and checkpoint follow the other's, and if the other fails, it rolls back.
   */
  private async applyChunk(
    id: number,
    items: Array<NumberedRecord | RecordResult>,
    end: number,
    lineNo: number,
    counts: Counts,
    results: FileHandle,
    accounts: AccountCache,
    after: Promise<void> | null,
  ): Promise<void> {
    const records = items.filter((i): i is NumberedRecord => 'record' in i);
    for (let attempt = 1; ; attempt++) {
      try {
        let next: Counts | null = null;
        await this.deps.orm.em.fork().transactional(async (tx) => {
          const applied = records.length > 0 ? await this.applier.applyChunk(tx, records, accounts) : [];
          if (after) await after.catch((err: Error) => Promise.reject(new PredecessorFailed(err)));
          const byLine = new Map(applied.map((r) => [r.line, r]));
          const ordered = items.map((i) => ('record' in i ? byLine.get(i.line)! : i));
          const tally = { accepted: 0, unchanged: 0, rejected: 0 } satisfies Record<RecordOutcome, number>;
          for (const r of ordered) tally[r.outcome]++;
          const text = Buffer.from(ordered.map((r) => `${JSON.stringify(r)}\n`).join(''));
          await results.write(text, 0, text.length, counts.resultsBytes);
          next = {
            processedBytes: end,
            lines: lineNo,
            records: counts.records + ordered.length,
            accepted: counts.accepted + tally.accepted,
            unchanged: counts.unchanged + tally.unchanged,
            rejected: counts.rejected + tally.rejected,
            resultsBytes: counts.resultsBytes + text.length,
          };
          await this.checkpoint(tx, id, next);
        });
        // Only once committed does the next chunk count from here.
        Object.assign(counts, next);
        return;
      } catch (err) {
        // What the failed chunk kept of its accounts may never have been committed.
        accounts.clear();
        after = null; // settled by now: a retry runs alone
        const retry = !(err instanceof PredecessorFailed) && (err instanceof ChunkConflict || err instanceof UniqueConstraintViolationException || err instanceof DeadlockException || err instanceof LockWaitTimeoutException);
        if (!retry || attempt >= CHUNK_ATTEMPTS) throw err instanceof PredecessorFailed ? err.cause : err;
        this.deps.logger.info({ importId: id, attempt, err: (err as Error).message }, 'billing import chunk read again: rows changed under it');
      }
    }
  }

  /** The checkpoint, in the chunk's transaction, while this instance still holds the lease. */
  private async checkpoint(tx: EntityManager, id: number, c: Counts): Promise<void> {
    const now = this.deps.clock.now();
    const n = await tx.nativeUpdate(BillingImport, { id, claimedBy: this.holder }, { ...c, leaseUntil: new Date(now.getTime() + LEASE_MS) });
    if (n !== 1) throw new Error(`billing import ${id}: the lease was taken over by another instance`);
  }

  private async finish(id: number, status: 'done' | 'failed', error: string | null): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.orm.em.fork().transactional(async (tx) => {
      const n = await tx.nativeUpdate(BillingImport, { id, claimedBy: this.holder }, { status, error, finishedAt: now, claimedBy: null, leaseUntil: null });
      if (n !== 1) return;
      const imp = await tx.findOneOrFail(BillingImport, id);
      this.audit.record(tx, { kind: 'system', id: null }, { action: `billing.import_${status}`, entityType: 'billing_import', entityId: id, detail: { batchId: imp.batchId, records: imp.records, accepted: imp.accepted, unchanged: imp.unchanged, rejected: imp.rejected, error } }, now);
    });
    if (status === 'done') await rm(this.batchFile(id), { force: true }).catch(() => undefined);
  }

  // ---- reading ----

  /** Checks a signed read from the billing system: `GET <path and query>` with an empty body. */
  verifyRead(pathAndQuery: string, timestamp: string | undefined, signature: string | undefined): void {
    const problem = timestampProblem(timestamp, this.deps.clock.now());
    if (problem) throw signatureError(problem, problem === 'stale' ? '时间戳超出允许范围（±5 分钟）' : '缺少 X-Billing-Timestamp');
    const digest = inletHmac(this.deps.config.billing.secret, timestamp!, `GET ${pathAndQuery}`).digest('hex');
    if (!signatureMatches(signature, digest)) throw signatureError('bad_signature', '签名无效');
  }

  async getImport(id: number, source?: ImportSource): Promise<BillingImportView> {
    const imp = await this.deps.orm.em.fork().findOne(BillingImport, source ? { id, source } : { id });
    if (!imp) throw new NotFoundError('导入批次');
    return viewOf(imp);
  }

  /** The import with every result inline when it is finished and small; the counts alone otherwise. */
  async withResults(view: BillingImportView): Promise<BillingImportView & { results?: RecordResult[] }> {
    if (view.status !== 'done' || view.records > INLINE_RESULTS_MAX) return view;
    const results: RecordResult[] = [];
    for await (const r of this.results(view.id)) results.push(r);
    return { ...view, results };
  }

  /** The per-record results of an import, in line order, optionally of one outcome. */
  async *results(id: number, outcome?: RecordOutcome): AsyncGenerator<RecordResult> {
    const imp = await this.deps.orm.em.fork().findOne(BillingImport, id);
    if (!imp) throw new NotFoundError('导入批次');
    const limit = Number(imp.resultsBytes);
    if (limit === 0) return;
    for await (const line of readLines(this.resultsFile(id), 0, limit)) {
      if (!line.text || line.text.length === 0) continue;
      const r = JSON.parse(line.text.toString('utf8')) as RecordResult;
      if (!outcome || r.outcome === outcome) yield r;
    }
  }

  /** The newest imports first (the console's list). */
  async listImports(limit = 20): Promise<BillingImportView[]> {
    const rows = await this.deps.orm.em.fork().find(BillingImport, {}, { orderBy: { id: 'desc' }, limit });
    return rows.map(viewOf);
  }
}

interface Counts {
  processedBytes: number;
  lines: number;
  records: number;
  accepted: number;
  unchanged: number;
  rejected: number;
  resultsBytes: number;
}

/** The chunk before failed: this one, running alongside, rolls back with it. */
class PredecessorFailed extends Error {
  constructor(override readonly cause: Error) {
    super(`the chunk before failed: ${cause.message}`);
  }
}

/** The records a chunk names (accounts, bills, packages, payments), to tell whether two chunks may run alongside. */
function keysOf(items: ReadonlyArray<NumberedRecord | RecordResult>): Set<string> {
  const keys = new Set<string>();
  for (const i of items) {
    if (!('record' in i)) continue;
    const r = i.record;
    if (r.type === 'account') keys.add(`a:${r.id}`);
    else if (r.type === 'bill_cancel') keys.add(`b:${r.id}`);
    else {
      keys.add(`a:${r.accountNo}`);
      if (r.type === 'bill') keys.add(`b:${r.id}`);
      else if (r.type === 'package') keys.add(`p:${r.id}`);
      else if (r.type === 'ledger') {
        keys.add(`l:${r.id}`);
        if (r.portalEntry) keys.add(`e:${r.portalEntry}`);
      } else {
        keys.add(`$:${r.id}`);
        for (const b of r.bills) keys.add(`b:${b.id}`);
      }
    }
  }
  return keys;
}

function sharesAny(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const k of small) if (large.has(k)) return true;
  return false;
}

function signatureError(reason: string, message: string): AppError {
  return new AppError('BILLING_SIGNATURE_INVALID', 401, message, { reason });
}

/** A line as a record to apply, or the result of a line that is not one; null for a blank line. */
function parseLine(line: Line, lineNo: number): NumberedRecord | RecordResult | null {
  const bare = { line: lineNo, type: null, id: null, version: null };
  if (line.text === null) return { ...bare, outcome: 'rejected', reason: 'invalid', message: `该行超过 ${MAX_LINE_BYTES / 1024} KB，未读取` };
  const text = line.text.toString('utf8').trim();
  if (text === '') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ...bare, outcome: 'rejected', reason: 'not_json', message: '该行不是有效的 JSON' };
  }
  const parsed = billingRecordSchema.safeParse(raw);
  if (parsed.success) return { line: lineNo, record: parsed.data };
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const issue = parsed.error.issues[0];
  return {
    line: lineNo,
    type: typeof o.type === 'string' && ['account', 'package', 'bill', 'bill_cancel', 'payment'].includes(o.type) ? (o.type as RecordResult['type']) : null,
    id: typeof o.id === 'string' ? o.id.slice(0, 64) : null,
    version: typeof o.version === 'number' && Number.isSafeInteger(o.version) ? o.version : null,
    outcome: 'rejected',
    reason: 'invalid',
    field: issue.path.join('.') || 'type',
    message: issue.path[0] === 'type' && issue.code === 'invalid_union' ? '记录类型须为 account、package、bill、bill_cancel 或 payment' : issue.message,
  };
}

/**
 * The lines of a file from byte `start` (to `limit`), each with the offset just past it, read a
 * megabyte at a time. A line longer than MAX_LINE_BYTES is given as `text: null` and skipped
 * without being held whole.
 */
export async function* readLines(file: string, start: number, limit?: number): AsyncGenerator<Line> {
  if (limit !== undefined && limit <= start) return;
  const stream = createReadStream(file, { start, ...(limit !== undefined ? { end: limit - 1 } : {}), highWaterMark: 1 << 20 });
  let pending: Buffer = Buffer.alloc(0);
  let offset = start; // the file offset of pending[0]
  let skipping = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let from = 0;
    for (let nl = buf.indexOf(10, from); nl !== -1; nl = buf.indexOf(10, from)) {
      yield { text: skipping ? null : buf.subarray(from, nl), end: offset + nl + 1 };
      skipping = false;
      from = nl + 1;
    }
    offset += from;
    pending = buf.subarray(from);
    if (pending.length > MAX_LINE_BYTES) {
      offset += pending.length;
      pending = Buffer.alloc(0);
      skipping = true;
    }
  }
  if (pending.length > 0 || skipping) yield { text: skipping ? null : pending, end: offset + pending.length };
}

function viewOf(i: BillingImport): BillingImportView {
  return {
    id: i.id,
    source: i.source,
    batchId: i.fileName ?? i.batchId,
    status: i.status,
    bytes: Number(i.bytes),
    processedBytes: Number(i.processedBytes),
    records: i.records,
    accepted: i.accepted,
    unchanged: i.unchanged,
    rejected: i.rejected,
    error: i.error,
    createdAt: i.createdAt.toISOString(),
    startedAt: i.startedAt?.toISOString() ?? null,
    finishedAt: i.finishedAt?.toISOString() ?? null,
  };
}
