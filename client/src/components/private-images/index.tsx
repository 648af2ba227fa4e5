import { Image, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useEffect, useRef, useState } from 'react';
import { saveLoadedFile, undrawableImageWords } from '../../platform/save-file';
import Button from '../button';

export interface PrivateImagesProps {
  /** The images' ids, in the order shown. */
  ids: readonly number[];
  /**
   * What the images belong to (a ticket): with `ids`, what decides when they are loaded again. The
   * loaders below may be new functions on every render.
   */
  owner: string | number;
  /** One image as a URL an <Image> can show (its bytes need a token an <img src> cannot send). */
  load: (id: number) => Promise<string>;
  /** Frees what `load` made, once nothing shows it any more. */
  release: (src: string) => void;
  /**
   * The names their original files are saved under (with the extension), in the order of `ids`, for
   * an image the platform cannot draw (a HEIC photo in a desktop browser). Default 图片1, 图片2, ….
   */
  fileNames?: readonly string[];
  /** Each tile's id is this with its position (1, 2, …). */
  idPrefix?: string;
  /** A class besides `ticket-photos`. */
  className?: string;
}

/**
 * Images only a signed-in user may see (a ticket's photos, a complaint reply's images), as thumbnails:
 * each is loaded through `load` and says 加载中… until then, or 加载失败 when it cannot be; a tap opens
 * the loaded ones full screen (`Taro.previewImage`). One loaded but not drawable here (a HEIC photo in
 * desktop Chrome) says so instead of a broken picture and offers its original file (saved on H5); it
 * is left out of the full-screen view, which could not show it either. What was loaded is released
 * when they go.
 */
export default function PrivateImages({ ids, owner, load, release, fileNames, idPrefix, className }: PrivateImagesProps) {
  const [srcs, setSrcs] = useState<Record<number, string>>({});
  const [failed, setFailed] = useState<Record<number, boolean>>({});
  const [undrawable, setUndrawable] = useState<Record<number, boolean>>({});
  const loaders = useRef({ load, release });
  loaders.current = { load, release };
  const key = ids.join(',');
  useEffect(() => {
    let live = true;
    const made: string[] = [];
    setSrcs({});
    setFailed({});
    setUndrawable({});
    for (const id of ids) {
      loaders.current
        .load(id)
        .then((src) => {
          made.push(src);
          if (live) setSrcs((s) => ({ ...s, [id]: src }));
          else loaders.current.release(src);
        })
        .catch(() => {
          if (live) setFailed((f) => ({ ...f, [id]: true }));
        });
    }
    return () => {
      live = false;
      made.forEach((src) => loaders.current.release(src));
    };
    // The ids as one string: the same images read again are not loaded again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [owner, key]);
  const drawn = ids.filter((id) => srcs[id] && !undrawable[id]).map((id) => srcs[id]);
  return (
    <View className={`ticket-photos${className ? ` ${className}` : ''}`}>
      {ids.map((id, i) => (
        <View key={id} className="ticket-photos__item" id={idPrefix ? `${idPrefix}-${i + 1}` : undefined}>
          {srcs[id] && undrawable[id] ? (
            <View className="ticket-photos__note">
              <View>{undrawableImageWords.note}</View>
              <Button className="btn-plain ticket-photos__save" size="mini" onClick={() => void saveLoadedFile(srcs[id], fileNames?.[i] ?? `图片${i + 1}`)}>
                {undrawableImageWords.save}
              </Button>
            </View>
          ) : srcs[id] ? (
            <Image
              className="ticket-photos__img"
              src={srcs[id]}
              mode="aspectFill"
              onError={() => setUndrawable((u) => ({ ...u, [id]: true }))}
              onClick={() => void Taro.previewImage({ urls: drawn, current: srcs[id] })}
            />
          ) : (
            <View className="muted">{failed[id] ? '加载失败' : '加载中…'}</View>
          )}
        </View>
      ))}
    </View>
  );
}
