/**
 * Stands in for the person at the browser's file chooser in jsdom, which opens none: each
 * `<input type="file">` clicked (the H5 photo chooser, platform/photos.h5.ts) is answered with the
 * next list of `answers` as its files, or closed (its `cancel` event) for `'close'` or when none is
 * left. Files become `blob:<name>` URLs (and may be revoked). Restored by `jest.restoreAllMocks()`.
 */
export function answerFileChooser(...answers: Array<File[] | 'close'>): jest.SpyInstance {
  if (!jest.isMockFunction(URL.createObjectURL)) URL.createObjectURL = jest.fn((file: Blob) => `blob:${(file as File).name}`);
  if (!jest.isMockFunction(URL.revokeObjectURL)) URL.revokeObjectURL = jest.fn();
  return jest.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(function (this: HTMLInputElement) {
    if (this.type !== 'file') return;
    const files = answers.shift() ?? 'close';
    if (files === 'close') {
      this.dispatchEvent(new Event('cancel'));
      return;
    }
    Object.defineProperty(this, 'files', { configurable: true, value: files });
    this.dispatchEvent(new Event('change'));
  });
}

/** A file as a chooser gives it: `bytes` as its content, named `name`, typed by its extension as a browser does. */
export function fileOf(name: string, bytes: Uint8Array | string): File {
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  const types: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', heic: 'image/heic', pdf: 'application/pdf', txt: 'text/plain' };
  return new File([bytes as BlobPart], name, { type: types[ext] ?? '' });
}

/** Bytes of a string of 8-bit characters (jsdom has no TextEncoder). */
const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** First bytes of real files of each kind, enough for a type to be told by them. */
export const fileBytes = {
  png: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]),
  jpeg: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0]),
  gif: bytesOf('GIF89a\x01\x00\x01\x00\x80\x00\x00'),
  heic: bytesOf('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00'),
  pdf: bytesOf('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'),
  text: bytesOf('not a photo at all\n'),
};
