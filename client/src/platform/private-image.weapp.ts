import Taro from '@tarojs/taro';
import { apiBase } from '../api/config';
import { ApiError } from '../api/errors';
import { getToken } from '../api/token';

/**
 * An image the API serves only to the signed-in subscriber (a ticket's photo), as a path that an
 * <Image> and `Taro.previewImage` can show. An <Image src> cannot send the bearer token, so the
 * bytes are downloaded with it (`wx.downloadFile`; the API's domain must be among the
 * mini-program's downloadFile domains) into a temporary file. `apiPath` is relative to /api/v1.
 */
export async function loadPrivateImage(apiPath: string): Promise<string> {
  const token = getToken();
  let res: Taro.downloadFile.FileSuccessCallbackResult;
  try {
    res = await Taro.downloadFile({ url: `${apiBase()}/api/v1${apiPath}`, header: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw new ApiError('NETWORK', (err as { errMsg?: string })?.errMsg ?? String(err), 0);
  }
  if (res.statusCode !== 200) throw new ApiError(res.statusCode === 404 ? 'NOT_FOUND' : res.statusCode === 401 ? 'UNAUTHENTICATED' : 'INTERNAL', `HTTP ${res.statusCode}`, res.statusCode);
  return res.tempFilePath;
}

/** Nothing to free: WeChat removes temporary files itself when the mini-program closes. */
export function releasePrivateImage(_src: string): void {}
