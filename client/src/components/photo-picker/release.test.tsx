import { act, renderHook } from '@testing-library/react';
import { ApiError } from '../../api/errors';
import { usePhotoUploads } from './index';

const mockChoosePhotos = jest.fn();
const mockReleasePhoto = jest.fn();
jest.mock('../../platform/photos', () => ({
  choosePhotos: (...args: unknown[]) => mockChoosePhotos(...args),
  releasePhoto: (...args: unknown[]) => mockReleasePhoto(...args),
}));

describe('photo uploads let go of the photos they no longer show', () => {
  beforeEach(() => {
    mockChoosePhotos.mockReset();
    mockReleasePhoto.mockReset();
  });

  it('releases a refused photo and the ones after it, a removed one, and the rest when the form goes away', async () => {
    let next = 1;
    const upload = jest.fn(async (path: string) => {
      if (path === 'blob:2') throw new ApiError('UNSUPPORTED_MEDIA_TYPE', '只能上传 JPG、PNG、WebP 或 HEIC 格式的照片', 415);
      return { id: next++ };
    });
    const { result, unmount } = renderHook(() => usePhotoUploads(9, upload));

    mockChoosePhotos.mockResolvedValueOnce({ paths: ['blob:1', 'blob:2', 'blob:3'], notImages: [], overLimit: 0 });
    await act(() => result.current.add());
    expect(result.current.photos.map((p) => p.path)).toEqual(['blob:1']);
    expect(mockReleasePhoto.mock.calls.map((c) => c[0])).toEqual(['blob:2', 'blob:3']);

    mockChoosePhotos.mockResolvedValueOnce({ paths: ['blob:4', 'blob:5'], notImages: [], overLimit: 0 });
    await act(() => result.current.add());
    expect(result.current.photos.map((p) => p.path)).toEqual(['blob:1', 'blob:4', 'blob:5']);
    mockReleasePhoto.mockClear();

    act(() => result.current.remove(result.current.photos[1].id));
    expect(mockReleasePhoto.mock.calls.map((c) => c[0])).toEqual(['blob:4']);
    expect(result.current.photos.map((p) => p.path)).toEqual(['blob:1', 'blob:5']);

    mockReleasePhoto.mockClear();
    unmount();
    expect(mockReleasePhoto.mock.calls.map((c) => c[0]).sort()).toEqual(['blob:1', 'blob:5']);
  });

  it('releases every photo when the form is cleared (sent or closed)', async () => {
    const { result } = renderHook(() => usePhotoUploads(9, async () => ({ id: Math.random() })));
    mockChoosePhotos.mockResolvedValueOnce({ paths: ['blob:a', 'blob:b'], notImages: [], overLimit: 0 });
    await act(() => result.current.add());
    act(() => result.current.clear());
    expect(mockReleasePhoto.mock.calls.map((c) => c[0])).toEqual(['blob:a', 'blob:b']);
    expect(result.current.photos).toEqual([]);
  });
});
