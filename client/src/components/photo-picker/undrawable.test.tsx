import { act, fireEvent, render } from '@testing-library/react';
import PhotoPicker, { usePhotoUploads } from './index';

const mockChoosePhotos = jest.fn();
jest.mock('../../platform/photos', () => ({
  choosePhotos: (...args: unknown[]) => mockChoosePhotos(...args),
  releasePhoto: () => undefined,
}));

function Picker({ upload }: { upload: (path: string) => Promise<{ id: number }> }) {
  const uploads = usePhotoUploads(6, upload);
  return <PhotoPicker uploads={uploads} max={6} addLabel="+ 拍照/相册" addId="add" />;
}

describe('a picked photo the browser cannot draw', () => {
  it('is named in its tile instead of a broken thumbnail, and is uploaded all the same', async () => {
    let next = 1;
    const upload = jest.fn(async () => ({ id: next++ }));
    mockChoosePhotos.mockResolvedValueOnce({ paths: ['blob:a', 'blob:b'], formats: ['JPEG', 'HEIC'], notImages: [], overLimit: 0 });
    render(<Picker upload={upload} />);
    await act(async () => {
      fireEvent.click(document.querySelector('#add')!);
    });
    expect(upload.mock.calls.map((c) => (c as unknown[])[0])).toEqual(['blob:a', 'blob:b']);
    const tiles = () => Array.from(document.querySelectorAll('.ticket-photos__item'));
    expect(tiles()).toHaveLength(2);

    // Desktop Chrome cannot draw the HEIC photo's thumbnail.
    act(() => {
      fireEvent.error(tiles()[1].querySelector('.ticket-photos__img')!);
    });
    expect(tiles()[1].querySelector('.ticket-photos__img')).toBeNull();
    expect(tiles()[1].textContent).toBe('HEIC 照片，已选择，可以提交×');
    expect(tiles()[0].querySelector('.ticket-photos__img')?.getAttribute('src')).toBe('blob:a');
  });
});
