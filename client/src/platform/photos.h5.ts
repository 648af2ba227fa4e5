import Taro from '@tarojs/taro';

/**
 * H5: photos from the browser's file chooser (camera or album on a phone), as blob: paths for
 * uploadPhoto. Resolves to [] when the user closes the chooser.
 */
export async function choosePhotos(count: number): Promise<string[]> {
  if (count <= 0) return [];
  try {
    const r = await Taro.chooseImage({ count, sizeType: ['compressed'], sourceType: ['album', 'camera'] });
    return r.tempFilePaths.slice(0, count);
  } catch {
    return []; // the user closed the chooser
  }
}
