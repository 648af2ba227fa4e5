import Taro from '@tarojs/taro';
import { choosePhotos } from './photos.weapp';

describe('mini-program photo chooser', () => {
  afterEach(() => jest.restoreAllMocks());

  it('asks wx.chooseMedia for images only (chooseImage is no longer maintained) and answers their temp paths', async () => {
    // The H5 build of Taro has chooseMedia too; the mini-program's is the one this file calls.
    const media = jest.spyOn(Taro, 'chooseMedia').mockResolvedValue({
      type: 'image',
      tempFiles: [{ tempFilePath: 'wxfile://tmp/a.jpg', size: 1, duration: 0, height: 1, width: 1, thumbTempFilePath: '', fileType: 'image' }],
      errMsg: 'chooseMedia:ok',
    } as never);
    const image = jest.spyOn(Taro, 'chooseImage');
    await expect(choosePhotos(3)).resolves.toEqual({ paths: ['wxfile://tmp/a.jpg'], notImages: [], overLimit: 0 });
    expect(media).toHaveBeenCalledWith({ count: 3, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'] });
    expect(image).not.toHaveBeenCalled();
  });

  it('answers nothing when the user closes the chooser, and asks nothing when no photo may be added', async () => {
    const media = jest.spyOn(Taro, 'chooseMedia').mockRejectedValue({ errMsg: 'chooseMedia:fail cancel' });
    const nothing = { paths: [], notImages: [], overLimit: 0 };
    await expect(choosePhotos(2)).resolves.toEqual(nothing);
    await expect(choosePhotos(0)).resolves.toEqual(nothing);
    expect(media).toHaveBeenCalledTimes(1);
  });
});
