import type { EntityName, FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { UploadStorage } from '../../integrations/storage/upload-storage';

/** What a purge reads of a stored file's row. */
interface StoredFileRow {
  id: number;
  storageKey: string;
  createdAt: Date;
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
