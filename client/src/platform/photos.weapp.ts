import Taro from '@tarojs/taro';

/**
 * Mini-program: photos by `wx.chooseMedia` (images only, camera or album, compressed) —
 * `chooseImage` is no longer maintained. Resolves to the temp file paths for uploadPhoto, or []
 * when the user closes the chooser.
 */
export async function choosePhotos(count: number): Promise<string[]> {
  if (count <= 0) return [];
  try {
    const r = await Taro.chooseMedia({ count, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'] });
    return r.tempFiles.map((f) => f.tempFilePath).slice(0, count);
  } catch {
    return []; // the user closed the chooser
  }
}
