import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { captureDownloads } from '../../../test/private-image-fetch';
import PrivateImages from './index';

describe('private images the browser cannot draw', () => {
  it('say so in the tile, stay out of the full-screen view, and a tap saves the original file', async () => {
    const load = jest.fn(async (id: number) => `blob:photo-${id}`);
    const preview = jest.spyOn(Taro, 'previewImage').mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
    const saved = captureDownloads();
    try {
      render(<PrivateImages ids={[1, 2, 3]} owner={7} load={load} release={() => {}} fileNames={['工单7-照片1.jpg', '工单7-照片2.heic', '工单7-照片3.png']} idPrefix="p" />);
      await waitFor(() => expect(document.querySelectorAll('.ticket-photos__img')).toHaveLength(3));

      // The browser loaded the bytes but could not draw them (a HEIC photo in desktop Chrome).
      act(() => {
        fireEvent.error(document.querySelector('#p-2 .ticket-photos__img')!);
      });
      expect(document.querySelector('#p-2 .ticket-photos__img')).toBeNull();
      expect(document.querySelector('#p-2')?.textContent).toBe('此照片无法在浏览器中预览下载原图');

      fireEvent.click(document.querySelector('#p-3 .ticket-photos__img')!);
      expect(preview).toHaveBeenCalledWith({ urls: ['blob:photo-1', 'blob:photo-3'], current: 'blob:photo-3' });

      fireEvent.click(screen.getByText('下载原图'));
      await waitFor(() => expect(saved).toEqual([{ href: 'blob:photo-2', download: '工单7-照片2.heic' }]));
    } finally {
      jest.restoreAllMocks();
    }
  });
});
