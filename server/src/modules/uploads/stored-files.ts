import { createHash } from 'node:crypto';
import type { EntityName, FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { Logger } from 'pino';
import { NotFoundError } from '../../http/errors';
import type { UploadStorage } from '../../integrations/storage/upload-storage';
import type { StoredImage } from './uploads.image-route';

/**
 * Files kept in the upload storage (a ticket's photos, a complaint reply's images): the bytes under
 * an opaque key, and a row that is their record (what they are, whose, when). These are the steps
 * every such file takes: stored with its row, read back, forgotten when nothing took it.
 */

/** The columns of a stored file's row that say where its bytes are and what they are. */
export interface StoredFileFields {
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  createdAt: Date;
}

/** What reading and purging need of a stored file's row. */
interface StoredFileRow {
  id: number;
  storageKey: string;
  createdAt: Date;
}

/**
 * Stores `bytes` under a new key, then records them with `record` (given the row's stored-file
 * fields). The row is the record of the bytes: without it they are unreachable, so when recording
 * fails they are removed and the error goes on.
 */
export async function storeFile<T>(storage: UploadStorage, bytes: Buffer, now: Date, record: (file: StoredFileFields) => Promise<T>): Promise<T> {
  const storageKey = storage.newKey(now);
  await storage.put(storageKey, bytes);
  try {
    return await record({ sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), storageKey, createdAt: now });
  } catch (err) {
    await storage.remove(storageKey).catch(() => undefined);
    throw err;
  }
}

/**
 * A stored file's bytes as a route answers them. Bytes gone from the storage while the row remains
 * are an operator's problem (logged as an error) and a 404 (`what`, e.g. 照片) to the reader.
 */
export async function readStoredFile(
  deps: { uploadStorage: UploadStorage; logger: Logger },
  row: StoredFileRow & { contentType: string; sha256: string },
  what: string,
): Promise<StoredImage> {
  const bytes = await deps.uploadStorage.get(row.storageKey);
  if (!bytes) {
    deps.logger.error({ what, id: row.id, key: row.storageKey }, 'stored file bytes missing from storage');
    throw new NotFoundError(what);
  }
  return { contentType: row.contentType, bytes, sha256: row.sha256 };
}

/**
 * Forgets stored files that nothing took in time (a photo never attached to a ticket, an image no
 * reply sent): the rows made before `createdBefore` whose `untaken` properties (the reference that
 * something taking the file sets) are still null, then their bytes. Each row goes by a conditional
 * DELETE that holds only while they still are, so one taken at that
 * moment stays, and of several instances running this, one removes each. Bytes that cannot be
 * removed are reported to `bytesLeft` and the row stays gone. At most `batch` per call; answers how
 * many went.
 */
export async function purgeUntakenFiles<T extends StoredFileRow>(
  em: EntityManager,
  entity: EntityName<T>,
  untaken: Partial<Record<keyof T & string, null>>,
  opts: { createdBefore: Date; batch: number; storage: UploadStorage; bytesLeft: (err: unknown, storageKey: string) => void },
): Promise<number> {
  const stale = (await em.find(entity, { ...untaken, createdAt: { $lt: opts.createdBefore } } as FilterQuery<T>, {
    fields: ['id', 'storageKey'] as never,
    limit: opts.batch,
    orderBy: { id: 'asc' } as never,
  })) as StoredFileRow[];
  let purged = 0;
  for (const row of stale) {
    if ((await em.nativeDelete(entity, { ...untaken, id: row.id } as FilterQuery<T>)) !== 1) continue;
    await opts.storage.remove(row.storageKey).catch((err: unknown) => opts.bytesLeft(err, row.storageKey));
    purged++;
  }
  return purged;
}
