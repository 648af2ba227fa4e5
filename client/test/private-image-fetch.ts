/**
 * Stands in for the browser under a page that shows private images (components/private-images):
 * each `fetch` answers a blob whose object URL is `blob:<the path's last segment>` (a photo's id),
 * and a download link clicked is recorded in `downloads` instead of followed. `restore()` puts
 * `fetch` and the object-URL functions back; the link's spy goes with `jest.restoreAllMocks()`.
 */
export function fakePrivateImageFetch(): { downloads: Array<{ href: string; download: string }>; restore: () => void } {
  const saved = { fetch: globalThis.fetch, create: URL.createObjectURL, revoke: URL.revokeObjectURL };
  Object.assign(globalThis, { fetch: jest.fn(async (url: string) => ({ ok: true, status: 200, blob: async () => ({ url }) })) });
  URL.createObjectURL = (b: unknown) => `blob:${(b as { url: string }).url.split('/').pop()}`;
  URL.revokeObjectURL = () => undefined;
  return {
    downloads: captureDownloads(),
    restore: () => {
      Object.assign(globalThis, { fetch: saved.fetch });
      URL.createObjectURL = saved.create;
      URL.revokeObjectURL = saved.revoke;
    },
  };
}

/** Records each download link clicked (its href and file name) instead of following it; the spy goes with `jest.restoreAllMocks()`. */
export function captureDownloads(): Array<{ href: string; download: string }> {
  const downloads: Array<{ href: string; download: string }> = [];
  jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    downloads.push({ href: this.href, download: this.download });
  });
  return downloads;
}
