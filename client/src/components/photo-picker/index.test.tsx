import { choiceProblem } from './index';

describe('what the photo picker says about files it left out', () => {
  const none = { paths: [], notImages: [], overLimit: 0 };

  it.each([
    ['nothing left out (or the chooser closed)', { ...none, paths: ['blob:a'] }, ''],
    ['one file that is no photo', { ...none, notImages: ['说明.pdf'] }, '「说明.pdf」不是照片，没有添加：只能选择照片（JPG、PNG 格式），请重新选择'],
    ['three, each named', { ...none, notImages: ['a.txt', 'b.pdf', 'c.doc'] }, '「a.txt」、「b.pdf」、「c.doc」不是照片，没有添加：只能选择照片（JPG、PNG 格式），请重新选择'],
    ['more than three: two named and the count', { ...none, notImages: ['a.txt', 'b.pdf', 'c.doc', 'd.zip'] }, '「a.txt」、「b.pdf」等 4 个文件不是照片，没有添加：只能选择照片（JPG、PNG 格式），请重新选择'],
    ['photos beyond those left', { ...none, paths: ['blob:a', 'blob:b'], overLimit: 3 }, '最多还能添加 2 张，多选的 3 张没有添加'],
    ['both', { paths: ['blob:a', 'blob:b'], notImages: ['a.txt'], overLimit: 1 }, '「a.txt」不是照片，没有添加：只能选择照片（JPG、PNG 格式），请重新选择；最多还能添加 2 张，多选的 1 张没有添加'],
  ])('%s', (_, chosen, said) => {
    expect(choiceProblem(chosen, 2)).toBe(said);
  });
});
