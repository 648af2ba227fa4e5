/**
 * Photo uploads (a ticket's photos). The server decides the type from the bytes (magic numbers),
 * never from the file name or the Content-Type the client sends.
 */

/** Image types a photo may be. */
export const uploadContentTypes = ['image/jpeg', 'image/png', 'image/webp', 'image/heic'] as const;
/** One of {@link uploadContentTypes}. */
export type UploadContentType = (typeof uploadContentTypes)[number];

/** How many photos one ticket may carry. */
export const MAX_TICKET_PHOTOS = 6;

/**
 * The image type of some bytes by their magic number, or null when they are none of the accepted
 * types. HEIC is an ISO BMFF file: `ftyp` at offset 4 with a HEIF brand (heic, heix, mif1, …).
 *
 * @example sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0])) // 'image/jpeg'
 */
export function sniffImageType(bytes: Uint8Array): UploadContentType | null {
  const at = (offset: number, ...values: number[]) => values.every((v, i) => bytes[offset + i] === v);
  const ascii = (offset: number, len: number) => String.fromCharCode(...bytes.subarray(offset, offset + len));
  if (bytes.length >= 3 && at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (bytes.length >= 8 && at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return 'image/webp';
  if (bytes.length >= 12 && ascii(4, 4) === 'ftyp' && HEIF_BRANDS.has(ascii(8, 4))) return 'image/heic';
  return null;
}

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

/** What `POST /api/v1/uploads` answers: the id to pass in a ticket's `photoIds`. */
export interface UploadView {
  id: number;
  contentType: UploadContentType;
  sizeBytes: number;
  createdAt: string;
}
