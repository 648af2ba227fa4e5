import Taro from '@tarojs/taro';
import type { ChosenPhotos } from './types';

/**
 * Mini-program: photos by `wx.chooseMedia` (images only, camera or album, compressed) —
 * `chooseImage` is no longer maintained. Answers the temp file paths for an upload; WeChat offers
 * only images and stops at `count` itself, so nothing chosen is left out. Nothing when the user
 * closes the chooser.
 */
export async function choosePhotos(count: number): Promise<ChosenPhotos> {
  const chosen: ChosenPhotos = { paths: [], notImages: [], overLimit: 0 };
  if (count <= 0) return chosen;
  try {
    const r = await Taro.chooseMedia({ count, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'] });
    chosen.paths = r.tempFiles.map((f) => f.tempFilePath).slice(0, count);
  } catch {
    // the user closed the chooser
  }
  return chosen;
}

/** Nothing to do in the mini-program: WeChat removes its temp files itself. */
export function releasePhoto(_path: string): void {}
