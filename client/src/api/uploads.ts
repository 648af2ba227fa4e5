import Taro from '@tarojs/taro';
import type { UploadView } from '@openhall/shared';
import { apiBase } from './config';
import { ApiError, errorMessageWithServerWords, toErrorCode } from './errors';
import { getToken } from './token';

/**
 * Uploads one photo (`POST /api/v1/uploads`, multipart field `file`) from a path the photo chooser
 * gave (a temp file on the mini-program, a blob: URL on H5). The server decides the type from the
 * bytes. Answers the id to put in a ticket's `photoIds`.
 */
export function uploadPhoto(filePath: string): Promise<UploadView> {
  return uploadFileTo<UploadView>('/uploads', filePath, getToken());
}

const extensions: Record<UploadView['contentType'], string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/heic': 'heic' };

/** The names a ticket's photos are saved under when they cannot be shown (工单12-照片2.heic): which ticket, which photo, and its type. */
export function ticketPhotoFileNames(ticketId: number, photos: readonly UploadView[]): string[] {
  return photos.map((photo, i) => `工单${ticketId}-照片${i + 1}.${extensions[photo.contentType]}`);
}

/**
 * What to say when an upload was refused: the table's words, followed by the server's own for a
 * refusal of the file itself, which names what the endpoint takes and what to do (只能上传 JPG、PNG、
 * WebP 或 HEIC 格式的照片; 微信支付只接受 JPG、PNG 或 BMP 格式的图片，请转换格式（或截图）后重新上传;
 * 照片不能超过 10 MB，请压缩后重新上传; 上传的文件是空的). The table alone says only 不支持的内容格式.
 */
export function uploadErrorText(err: unknown): string {
  return errorMessageWithServerWords(err, ['UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'VALIDATION_FAILED']);
}

/**
 * Sends one chosen file as multipart field `file` to an API path (under /api/v1) with the given
 * session token; answers the envelope's `data`, or throws ApiError with the server's code.
 */
export async function uploadFileTo<T>(path: string, filePath: string, token: string | null): Promise<T> {
  let res: { statusCode: number; data: string };
  try {
    res = await Taro.uploadFile({
      url: `${apiBase()}/api/v1${path}`,
      filePath,
      name: 'file',
      header: token ? { Authorization: `Bearer ${token}` } : {},
    });
  } catch (err) {
    throw new ApiError('NETWORK', (err as { errMsg?: string })?.errMsg ?? String(err), 0);
  }
  // uploadFile answers the body as text on both platforms.
  let body: { data?: T; error?: { code?: unknown; message?: string; details?: unknown } } | undefined;
  try {
    body = JSON.parse(res.data);
  } catch {
    body = undefined;
  }
  if (res.statusCode >= 200 && res.statusCode < 300 && body?.data) return body.data;
  if (!body?.error) throw new ApiError(res.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_RESPONSE', `HTTP ${res.statusCode}`, res.statusCode);
  throw new ApiError(toErrorCode(body.error.code), body.error.message ?? `HTTP ${res.statusCode}`, res.statusCode, body.error.details);
}
