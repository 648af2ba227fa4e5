import { sniffImageType } from '@openhall/shared';
import type { ChosenPhotos } from './types';

/**
 * H5: photos from the browser's own file chooser (`<input type="file" accept="image/*">`; a phone
 * offers its camera and album there), as blob: paths for an upload. Not `Taro.chooseImage`: in
 * Taro 4.1 it drops every file the browser cannot load as an <img> (a PDF, a text file named .png,
 * and a HEIC photo in most desktop browsers, though the server takes HEIC) and answers as if it had
 * never been chosen, so the page could not say why nothing was added.
 *
 * A file counts as a photo by its first bytes, the way the server decides: any common image format
 * is let through, and the server answers for the ones its endpoint does not take (a GIF, a BMP for
 * a ticket) with words that say what to do.
 */
export async function choosePhotos(count: number): Promise<ChosenPhotos> {
  const chosen: Required<ChosenPhotos> = { paths: [], formats: [], notImages: [], overLimit: 0 };
  if (count <= 0) return chosen;
  for (const file of await pickFiles(count > 1)) {
    const format = imageFormat(await readHead(file).catch(() => new Uint8Array()));
    if (!format) chosen.notImages.push(file.name);
    else if (chosen.paths.length >= count) chosen.overLimit += 1;
    else {
      chosen.paths.push(URL.createObjectURL(file));
      chosen.formats.push(format);
    }
  }
  return chosen;
}

/** Closes the chooser opened before and not answered (a browser without the input's `cancel` event). */
let closeOpenChooser: (() => void) | null = null;

/** Opens the browser's chooser; answers the files chosen, or none when it was closed. */
function pickFiles(multiple: boolean): Promise<File[]> {
  closeOpenChooser?.();
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = 'image/*';
    input.multiple = multiple;
    // In the document (some mobile browsers fire no change otherwise) but out of sight.
    input.style.cssText = 'position: fixed; top: -4000px; left: -3000px; z-index: -300;';
    const done = (files: File[]) => {
      if (closeOpenChooser === close) closeOpenChooser = null;
      input.remove();
      resolve(files);
    };
    const close = () => done([]);
    closeOpenChooser = close;
    input.addEventListener('change', () => done(Array.from(input.files ?? [])));
    input.addEventListener('cancel', close);
    document.body.appendChild(input);
    input.click();
  });
}

/** The first bytes of a file, where every image format says what it is. */
function readHead(file: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'));
    reader.readAsArrayBuffer(file.slice(0, 32));
  });
}

const serverFormats = { 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/webp': 'WebP', 'image/heic': 'HEIC' } as const;

/**
 * The format of an image of any common kind, or null for no image: what the server takes (JPEG, PNG,
 * WebP, HEIC), and GIF, BMP, TIFF and AVIF, which it may refuse with its own words.
 */
function imageFormat(head: Uint8Array): string | null {
  const type = sniffImageType(head);
  if (type) return serverFormats[type];
  const ascii = (offset: number, len: number) => String.fromCharCode(...head.subarray(offset, offset + len));
  if (head.length >= 6 && /^GIF8[79]a$/.test(ascii(0, 6))) return 'GIF';
  if (head.length >= 14 && ascii(0, 2) === 'BM') return 'BMP';
  if (head.length >= 4 && (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*')) return 'TIFF';
  return head.length >= 12 && ascii(4, 4) === 'ftyp' && ['avif', 'avis'].includes(ascii(8, 4)) ? 'AVIF' : null;
}

/** Lets the browser free a chosen photo's bytes once nothing shows or sends it (its blob: URL). */
export function releasePhoto(path: string): void {
  if (path.startsWith('blob:')) URL.revokeObjectURL(path);
}
