import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where uploaded photos' bytes are kept. The database holds what they are and whose; the storage
 * holds only bytes under an opaque key, so another backend (an object store) plugs in here.
 */
export interface UploadStorage {
  /** A new key for bytes uploaded at `at`; never derived from anything the client sent. */
  newKey(at: Date): string;
  put(key: string, bytes: Buffer): Promise<void>;
  /** The bytes, or null when nothing is stored under the key. */
  get(key: string): Promise<Buffer | null>;
  remove(key: string): Promise<void>;
}

const KEY = /^\d{4}\/\d{2}\/[0-9a-f]{32}$/;

/** The default storage: files under a directory on local disk (DATA_DIR/uploads), one per key, sharded by month. */
export class LocalDiskUploadStorage implements UploadStorage {
  constructor(private readonly root: string) {}

  newKey(at: Date): string {
    return `${at.toISOString().slice(0, 4)}/${at.toISOString().slice(5, 7)}/${randomBytes(16).toString('hex')}`;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = this.fileOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Written beside its final name and renamed: a reader never sees half a photo.
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, bytes, { flag: 'wx' });
    await rename(tmp, file);
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.fileOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.fileOf(key), { force: true });
  }

  /** Keys are checked against their shape so no key can name a path outside the root. */
  private fileOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`not an upload storage key: ${JSON.stringify(key)}`);
    return path.join(this.root, key);
  }
}
