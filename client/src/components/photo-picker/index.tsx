import { Image, View } from '@tarojs/components';
import { useCallback, useEffect, useRef, useState } from 'react';
import { uploadErrorText } from '../../api/uploads';
import { choosePhotos, releasePhoto } from '../../platform/photos';
import type { ChosenPhotos } from '../../platform/types';

/** A photo the user picked and the server took: its local path (for the thumbnail) and its upload id. */
export interface PickedPhoto {
  path: string;
  id: number;
  /** Its image format (HEIC, JPEG, …) where the platform tells, for a thumbnail that cannot be drawn. */
  format?: string;
}

/** What `usePhotoUploads` answers: the photos taken so far and the steps a picker needs. */
export interface PhotoUploads {
  photos: PickedPhoto[];
  uploading: boolean;
  /**
   * What the user should know about the last choice, or '': chosen files that are no photo and were
   * left out (see `choiceProblem`), and why the server refused an upload (see `uploadErrorText`).
   */
  error: string;
  /** Opens the chooser for what is left of `max` and uploads each photo chosen in order; stops at the first refusal. */
  add: () => Promise<void>;
  remove: (id: number) => void;
  /** Forgets every photo and the last refusal (a panel closed, a form sent). */
  clear: () => void;
}

/** How many names a message lists before it says 等 N 个文件. */
const NAMES_SHOWN = 3;

/**
 * What to say about chosen files that were not added, or '' when every one was: files that are no
 * photo (by name, with what to choose instead), and photos beyond the `left` that could still be added.
 */
export function choiceProblem(chosen: ChosenPhotos, left: number): string {
  const problems: string[] = [];
  const { notImages, overLimit } = chosen;
  if (notImages.length > 0) {
    const names = notImages.slice(0, notImages.length > NAMES_SHOWN ? NAMES_SHOWN - 1 : NAMES_SHOWN).map((n) => `「${n}」`).join('、');
    const which = notImages.length > NAMES_SHOWN ? `${names}等 ${notImages.length} 个文件` : names;
    problems.push(`${which}不是照片，没有添加：只能选择照片（JPG、PNG 格式），请重新选择`);
  }
  if (overLimit > 0) problems.push(`最多还能添加 ${left} 张，多选的 ${overLimit} 张没有添加`);
  return problems.join('；');
}

/**
 * Photos chosen on the device and uploaded one by one as they are chosen, for a form that then
 * names their ids (a ticket's photos, a complaint reply's images). `upload` sends one file.
 */
export function usePhotoUploads(max: number, upload: (path: string) => Promise<{ id: number }>): PhotoUploads {
  const [photos, setPhotos] = useState<PickedPhoto[]>([]);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState('');
  const add = useCallback(async () => {
    setError('');
    const left = max - photos.length;
    const chosen = await choosePhotos(left);
    const problem = choiceProblem(chosen, left);
    setError(problem);
    // Closed without a choice: nothing to say. Only files left out: said above.
    if (chosen.paths.length === 0) return;
    setUploading(true);
    let sent = 0;
    try {
      for (const [i, path] of chosen.paths.entries()) {
        const uploaded = await upload(path);
        sent += 1;
        setPhotos((list) => [...list, { path, id: uploaded.id, format: chosen.formats?.[i] }]);
      }
    } catch (err) {
      setError([problem, uploadErrorText(err)].filter(Boolean).join('；'));
      // The refused photo and the ones after it are not kept: their bytes can go.
      chosen.paths.slice(sent).forEach(releasePhoto);
    } finally {
      setUploading(false);
    }
  }, [max, photos.length, upload]);
  // The photos shown now, for releasing their bytes once they are dropped or the form goes away.
  const shown = useRef(photos);
  shown.current = photos;
  useEffect(() => () => shown.current.forEach((p) => releasePhoto(p.path)), []);
  const remove = useCallback((id: number) => {
    shown.current.filter((p) => p.id === id).forEach((p) => releasePhoto(p.path));
    setPhotos((list) => list.filter((p) => p.id !== id));
  }, []);
  const clear = useCallback(() => {
    shown.current.forEach((p) => releasePhoto(p.path));
    setPhotos([]);
    setError('');
  }, []);
  return { photos, uploading, error, add, remove, clear };
}

export interface PhotoPickerProps {
  uploads: PhotoUploads;
  max: number;
  /** The add tile's text when nothing is uploading, e.g. '+ 拍照/相册'. */
  addLabel: string;
  /** The add tile's id (tests and browser journeys find it by it). */
  addId: string;
  /** A class for each photo's tile besides `ticket-photos__item`. */
  itemClassName?: string;
}

/**
 * The picked photos as thumbnails, each with a × that drops it, and a tile that adds more up to `max`.
 * A photo the platform cannot draw (a HEIC one in desktop Chrome) is named in a tile instead of a
 * broken thumbnail: it was taken all the same, and goes with the form.
 */
export default function PhotoPicker({ uploads, max, addLabel, addId, itemClassName }: PhotoPickerProps) {
  const { photos, uploading, add, remove } = uploads;
  const [undrawable, setUndrawable] = useState<Record<number, boolean>>({});
  return (
    <View className="ticket-photos">
      {photos.map((p) => (
        <View key={p.id} className={`ticket-photos__item${itemClassName ? ` ${itemClassName}` : ''}`}>
          {undrawable[p.id] ? (
            <View className="ticket-photos__note">{`${p.format ? `${p.format} ` : ''}照片，已选择，可以提交`}</View>
          ) : (
            <Image className="ticket-photos__img" src={p.path} mode="aspectFill" onError={() => setUndrawable((u) => ({ ...u, [p.id]: true }))} />
          )}
          <View className="ticket-photos__remove" onClick={() => remove(p.id)}>
            ×
          </View>
        </View>
      ))}
      {photos.length < max && (
        <View id={addId} className="ticket-photos__add" onClick={() => void (uploading ? undefined : add())}>
          {uploading ? '上传中…' : addLabel}
        </View>
      )}
    </View>
  );
}
