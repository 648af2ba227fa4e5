import Taro from '@tarojs/taro';
import { apiBase } from '../api/config';
import { ApiError } from '../api/errors';

/**
 * Mini-program: downloads a file the API serves only with a bearer token (`wx.downloadFile`; the
 * API's domain must be among the mini-program's downloadFile domains) and offers to send it to a
 * WeChat chat, the mini-program's way of giving a file to the user. `apiPath` is relative to /api/v1.
 */
export async function saveApiFile(apiPath: string, fileName: string, token: string | null): Promise<void> {
  let res: Taro.downloadFile.FileSuccessCallbackResult;
  try {
    res = await Taro.downloadFile({ url: `${apiBase()}/api/v1${apiPath}`, header: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw new ApiError('NETWORK', (err as { errMsg?: string })?.errMsg ?? String(err), 0);
  }
  if (res.statusCode !== 200) throw new ApiError(res.statusCode === 404 ? 'NOT_FOUND' : res.statusCode === 401 ? 'UNAUTHENTICATED' : res.statusCode === 403 ? 'FORBIDDEN' : 'INTERNAL', `HTTP ${res.statusCode}`, res.statusCode);
  await Taro.shareFileMessage({ filePath: res.tempFilePath, fileName });
}

/** What a tile says of an image WeChat cannot draw, and what the action that sends its original file says. */
export const undrawableImageWords = { note: '此照片无法在此预览', save: '发送原图' };

/**
 * Mini-program: offers a file already on the device (a photo loaded into a temporary file) to send to
 * a WeChat chat, the mini-program's way of giving a file to the user. Closing WeChat's sheet is no
 * failure: nothing to say then.
 */
export async function saveLoadedFile(path: string, fileName: string): Promise<void> {
  await Taro.shareFileMessage({ filePath: path, fileName }).catch(() => undefined);
}
