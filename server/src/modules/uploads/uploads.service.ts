import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { MAX_TICKET_PHOTOS, sniffImageType, uploadContentTypes, type UploadView } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError, NotFoundError, RateLimitedError } from '../../http/errors';
import type { AuditService } from '../audit/audit.service';
import { requireVisibleTicket, type TicketViewer } from '../access/access';
import { Upload } from './upload.entity';
import { User } from '../users/user.entity';
import type { ReceivedFile } from './uploads.multipart';
import { purgeUntakenFiles, readStoredFile, storeFile } from './stored-files';

/** Uploads one user may make in a day: enough for several tickets, not enough to fill a disk. */
export const DAILY_UPLOAD_LIMIT = 60;
const DAY_MS = 86_400_000;

const toView = (u: Upload): UploadView => ({ id: u.id, contentType: u.contentType, sizeBytes: Number(u.sizeBytes), createdAt: u.createdAt.toISOString() });

/**
 * Photo uploads: taken before a ticket is filed, then attached to it. The type is decided from the
 * bytes alone; the bytes go to the upload storage (local disk under DATA_DIR by default).
 */
export class UploadsService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
  ) {}

  private get em(): EntityManager {
    return this.deps.orm.em;
  }

  /** The largest photo taken (UPLOAD_MAX_KB). */
  get maxBytes(): number {
    return this.deps.config.uploads.maxBytes;
  }

  /** Stores one photo for the user; answers its id for the ticket's `photoIds`. */
  async createUpload(userId: number, file: ReceivedFile): Promise<UploadView> {
    const contentType = sniffImageType(file.bytes);
    if (!contentType) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, '只能上传 JPG、PNG、WebP 或 HEIC 格式的照片', { accepted: uploadContentTypes });
    }
    const now = this.deps.clock.now();
    const since = new Date(now.getTime() - DAY_MS);
    const limited = () => new RateLimitedError(`24小时内最多上传${DAILY_UPLOAD_LIMIT}张照片，请明天再试`, 3600);
    // A first look spares storing bytes that would be refused; the count that decides is taken again below.
    if ((await this.em.count(Upload, { userId, createdAt: { $gt: since } })) >= DAILY_UPLOAD_LIMIT) throw limited();
    const upload = await storeFile(this.deps.uploadStorage, file.bytes, now, (stored) =>
      this.em.fork().transactional(async (tx) => {
        // The count and the insert are one step: the user's row is locked for the transaction
        // (MySQL; SQLite runs one transaction at a time), so parallel uploads queue here and the
        // last of them is refused instead of passing the limit together.
        await tx.findOne(User, userId, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if ((await tx.count(Upload, { userId, createdAt: { $gt: since } })) >= DAILY_UPLOAD_LIMIT) throw limited();
        const row = tx.create(Upload, { userId, contentType, ...stored });
        this.audit.record(tx, { kind: 'user', id: userId }, { action: 'upload.create', entityType: 'upload', entityId: null, detail: { contentType, sizeBytes: row.sizeBytes, key: stored.storageKey } }, now);
        return row;
      }),
    );
    return toView(upload);
  }

  /**
   * Forgets photos uploaded more than `olderThanMs` ago that no ticket took (the subscriber gave up
   * on the form): their rows, then their bytes. Each row goes by a conditional DELETE (only while
   * still unattached), so a ticket filed at the same moment keeps its photo, and of several
   * instances running this, one removes each. At most `batch` per call.
   */
  async purgeUnattached(olderThanMs = DAY_MS, batch = 500): Promise<number> {
    return purgeUntakenFiles(this.deps.orm.em.fork(), Upload, { ticketId: null }, {
      createdBefore: new Date(this.deps.clock.now().getTime() - olderThanMs),
      batch,
      storage: this.deps.uploadStorage,
      bytesLeft: (err, key) => this.deps.logger.warn({ err, key }, 'unattached photo bytes not removed'),
    });
  }

  /** A ticket's photos, oldest first: to its subscriber or to staff; 404 for anyone else. */
  async listTicketPhotos(viewer: TicketViewer, ticketId: number): Promise<UploadView[]> {
    await requireVisibleTicket(this.em, viewer, ticketId);
    const photos = await this.em.find(Upload, { ticketId }, { orderBy: { id: 'asc' } });
    return photos.map(toView);
  }

  /** One photo's bytes and sniffed type, with the same access rule as {@link listTicketPhotos}. */
  async readTicketPhoto(viewer: TicketViewer, ticketId: number, photoId: number): Promise<{ contentType: string; bytes: Buffer; sha256: string }> {
    await requireVisibleTicket(this.em, viewer, ticketId);
    const photo = await this.em.findOne(Upload, { id: photoId, ticketId });
    if (!photo) throw new NotFoundError('照片');
    return readStoredFile(this.deps, photo, '照片');
  }
}

/**
 * Gives the user's uploads to a new ticket, inside the ticket's transaction. One conditional
 * UPDATE: only the user's own uploads not on any ticket yet move, so a photo can never end up on
 * two tickets or on someone else's; if any id fails that test, filing fails as a whole.
 */
export async function attachTicketPhotos(tx: EntityManager, userId: number, ticketId: number, photoIds: readonly number[]): Promise<void> {
  if (photoIds.length === 0) return;
  if (photoIds.length > MAX_TICKET_PHOTOS) throw new AppError('VALIDATION_FAILED', 400, `最多上传${MAX_TICKET_PHOTOS}张照片`);
  const moved = await tx.nativeUpdate(Upload, { id: { $in: [...photoIds] }, userId, ticketId: null }, { ticketId });
  if (moved !== photoIds.length) {
    // Someone else's upload and one that does not exist are refused alike.
    throw new AppError('VALIDATION_FAILED', 400, '部分照片不存在或已用于其他工单，请重新上传', [{ path: 'body.photoIds', message: '照片不可用' }]);
  }
}
