import { apiBase } from '../api/config';
import { ApiError, toErrorCode } from '../api/errors';

/**
 * Saves a file the API serves only with a bearer token (a CSV) to the user's downloads, named
 * `fileName`. A link cannot send the token, so the browser fetches the bytes with it and hands them
 * to a download link as an object URL. `apiPath` is relative to /api/v1.
 */
export async function saveApiFile(apiPath: string, fileName: string, token: string | null): Promise<void> {
  const res = await fetch(`${apiBase()}/api/v1${apiPath}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} }).catch((err: Error) => {
    throw new ApiError('NETWORK', err.message, 0);
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: unknown; message?: string; details?: unknown } } | undefined;
    const code = body?.error ? toErrorCode(body.error.code) : res.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL';
    throw new ApiError(code, body?.error?.message ?? `HTTP ${res.status}`, res.status, body?.error?.details);
  }
  const url = URL.createObjectURL(await res.blob());
  await saveLoadedFile(url, fileName);
  // Given back once the browser has started the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** What a tile says of an image this platform cannot draw, and what the action that saves its original file says. */
export const undrawableImageWords = { note: '此照片无法在浏览器中预览', save: '下载原图' };

/**
 * Saves bytes the page already holds (a photo loaded with the token, as an object URL) to the user's
 * downloads, named `fileName`, through a download link. The URL stays the caller's to revoke.
 */
export async function saveLoadedFile(url: string, fileName: string): Promise<void> {
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
}
