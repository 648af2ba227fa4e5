import { apiBase } from '../api/config';
import { ApiError } from '../api/errors';
import { getToken } from '../api/token';

/**
 * An image the API serves only to the signed-in subscriber (a ticket's photo), as a URL that an
 * <Image> and `Taro.previewImage` can show. An <img src> cannot send the bearer token, so the
 * browser fetches the bytes with it and keeps them as an object URL, as the staff console does.
 * `apiPath` is relative to /api/v1. Give the URL back with {@link releasePrivateImage}.
 */
export async function loadPrivateImage(apiPath: string): Promise<string> {
  const token = getToken();
  const res = await fetch(`${apiBase()}/api/v1${apiPath}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} }).catch((err: Error) => {
    throw new ApiError('NETWORK', err.message, 0);
  });
  if (!res.ok) throw new ApiError(res.status === 404 ? 'NOT_FOUND' : res.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL', `HTTP ${res.status}`, res.status);
  return URL.createObjectURL(await res.blob());
}

/** Frees what {@link loadPrivateImage} made once nothing shows it any more. */
export function releasePrivateImage(src: string): void {
  URL.revokeObjectURL(src);
}
