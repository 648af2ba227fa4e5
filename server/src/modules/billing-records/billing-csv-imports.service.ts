import { createReadStream, createWriteStream } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BillingImportView } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, ConflictError, NotFoundError } from '../../http/errors';
import { billingCsvTemplate, csvToNdjson, rejectedCsv } from './billing-csv';
import type { AuditService } from '../audit/audit.service';
import type { BillingImportsService } from './billing-imports.service';

/** The content type an upload must carry. */
export const CSV = 'text/csv';

/**
 * The staff console's CSV import (supervisors): an uploaded spreadsheet is kept as it came, read
 * as the inlet's NDJSON records (billing-csv.ts) and registered as an import of source 'csv',
 * applied by the same inlet as the billing system's batches. The original stays beside the import
 * (`<id>.source.csv`) after it is applied, so the rows refused can be given back as they were.
 */
export class BillingCsvImportsService {
  constructor(
    private readonly deps: AppDeps,
    private readonly imports: BillingImportsService,
    private readonly audit: AuditService,
  ) {}

  /** The uploaded file as it came, beside the import's other files. */
  sourceFile(id: number): string {
    return path.join(path.dirname(this.imports.batchFile(id)), `${id}.source.csv`);
  }

  /**
   * Takes an upload: spooled to disk as it arrives (within the import size limit), then read a row
   * at a time into an NDJSON batch. A file whose header or structure cannot be read as meant (an
   * unknown column, a quote left open) is refused whole with 400 and leaves nothing behind; bad
   * records are the import's results, each naming its row. The audit log has every upload under the
   * staff member: `billing.import_received` with the import, or `billing.import_refused` with why.
   */
  async upload(body: Readable, contentType: string | undefined, fileName: string, staffId: number): Promise<BillingImportView> {
    const now = this.deps.clock.now();
    try {
      return await this.take(body, contentType, fileName, staffId, now);
    } catch (err) {
      if (err instanceof AppError) {
        const em = this.deps.orm.em.fork();
        this.audit.record(em, { kind: 'staff', id: staffId }, { action: 'billing.import_refused', entityType: 'billing_import', entityId: null, detail: { source: 'csv', fileName, code: err.code, message: err.message } }, now);
        await em.flush().catch((e: Error) => this.deps.logger.error({ err: e }, 'a refused CSV upload could not be written to the audit log'));
      }
      throw err;
    }
  }

  private async take(body: Readable, contentType: string | undefined, fileName: string, staffId: number, now: Date): Promise<BillingImportView> {
    if (!contentType || !/^text\/csv\s*(;|$)/i.test(contentType.trim())) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, `请以 ${CSV} 上传 CSV 文件（文件内容作为请求体）`);
    }
    const source = await this.imports.spool(body);
    const ndjson = `${source.file}.ndjson`;
    let id: number;
    try {
      await pipeline(Readable.from(csvToNdjson(createReadStream(source.file, { highWaterMark: 1 << 20 }))), createWriteStream(ndjson));
      const { size } = await stat(ndjson);
      const imp = await this.imports.register('csv', `csv-${randomUUID()}`, fileName, { file: ndjson, bytes: size }, staffId, { kind: 'staff', id: staffId }, now);
      id = imp.id;
    } catch (err) {
      await Promise.all([rm(source.file, { force: true }), rm(ndjson, { force: true })]);
      throw err;
    }
    await rename(source.file, this.sourceFile(id)).catch(async (err: Error) => {
      this.deps.logger.error({ err, importId: id }, 'the uploaded CSV could not be kept; its rejected rows cannot be given back');
      await rm(source.file, { force: true });
    });
    return this.imports.getImport(id);
  }

  /**
   * rejected.csv of a finished CSV import: the refused rows as they were uploaded, with the row
   * number and the reason (see `rejectedCsv`). An import still being applied answers CONFLICT.
   */
  async rejectedRows(id: number): Promise<{ fileName: string; body: Readable }> {
    const view = await this.imports.getImport(id, 'csv');
    if (view.status === 'queued' || view.status === 'running') throw new ConflictError('导入尚未完成，完成后再下载未导入的行');
    const file = this.sourceFile(id);
    await access(file).catch(() => {
      throw new NotFoundError('该批次的原始文件');
    });
    const stem = view.batchId.replace(/\.csv$/i, '');
    const body = Readable.from(rejectedCsv(createReadStream(file, { highWaterMark: 1 << 20 }), this.imports.results(id, 'rejected')));
    return { fileName: `${stem}-未导入.csv`, body };
  }

  /** The template, its examples in the operator's first area. */
  template(): string {
    return billingCsvTemplate(this.deps.config.operator.areas[0]?.code ?? 'area');
  }
}
