import Taro from '@tarojs/taro';
import { answerFileChooser, fileBytes, fileOf } from '../../test/file-chooser';
import { choosePhotos } from './photos.h5';

describe('browser photo chooser', () => {
  afterEach(() => jest.restoreAllMocks());

  it('offers images in the browser’s own chooser, several when more than one may be added, and answers blob: paths of the photos', async () => {
    const click = answerFileChooser([fileOf('a.jpg', fileBytes.jpeg), fileOf('b.png', fileBytes.png)]);
    const taroChooser = jest.spyOn(Taro, 'chooseImage');
    await expect(choosePhotos(3)).resolves.toEqual({ paths: ['blob:a.jpg', 'blob:b.png'], formats: ['JPEG', 'PNG'], notImages: [], overLimit: 0 });
    expect(click.mock.contexts).toHaveLength(1);
    expect(click.mock.contexts[0]).toMatchObject({ type: 'file', accept: 'image/*', multiple: true });
    // The chooser's input is gone once answered.
    expect(document.querySelector('input[type=file]')).toBeNull();
    expect(taroChooser).not.toHaveBeenCalled();
  });

  it('leaves out and names a chosen file that is no image by its bytes, whatever its name says; lets through any image, which the server decides on, with its format', async () => {
    answerFileChooser([fileOf('notes.png', fileBytes.text), fileOf('photo.jpg', fileBytes.jpeg), fileOf('bill.pdf', fileBytes.pdf), fileOf('empty.jpg', ''), fileOf('anim.gif', fileBytes.gif), fileOf('IMG_0001.heic', fileBytes.heic)]);
    await expect(choosePhotos(6)).resolves.toEqual({ paths: ['blob:photo.jpg', 'blob:anim.gif', 'blob:IMG_0001.heic'], formats: ['JPEG', 'GIF', 'HEIC'], notImages: ['notes.png', 'bill.pdf', 'empty.jpg'], overLimit: 0 });
  });

  it('counts the photos chosen beyond those that may still be added (the browser does not stop at them)', async () => {
    const click = answerFileChooser([fileOf('1.jpg', fileBytes.jpeg), fileOf('2.jpg', fileBytes.jpeg), fileOf('3.jpg', fileBytes.jpeg)]);
    await expect(choosePhotos(1)).resolves.toEqual({ paths: ['blob:1.jpg'], formats: ['JPEG'], notImages: [], overLimit: 2 });
    expect(click.mock.contexts[0]).toMatchObject({ multiple: false });
  });

  it('answers nothing when the user closes the chooser, and opens none when no photo may be added', async () => {
    const click = answerFileChooser('close');
    await expect(choosePhotos(2)).resolves.toEqual({ paths: [], formats: [], notImages: [], overLimit: 0 });
    await expect(choosePhotos(0)).resolves.toEqual({ paths: [], formats: [], notImages: [], overLimit: 0 });
    expect(click).toHaveBeenCalledTimes(1);
    expect(document.querySelector('input[type=file]')).toBeNull();
  });

  it('a chooser left open without an answer (a browser without the cancel event) is closed as nothing when the next one opens', async () => {
    const click = jest.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(() => undefined);
    const first = choosePhotos(2);
    expect(document.querySelectorAll('input[type=file]')).toHaveLength(1);
    click.mockRestore();
    answerFileChooser([fileOf('a.jpg', fileBytes.jpeg)]);
    await expect(choosePhotos(2)).resolves.toEqual({ paths: ['blob:a.jpg'], formats: ['JPEG'], notImages: [], overLimit: 0 });
    await expect(first).resolves.toEqual({ paths: [], formats: [], notImages: [], overLimit: 0 });
    expect(document.querySelector('input[type=file]')).toBeNull();
  });
});
