import { Image, View } from '@tarojs/components';
import { useCallback, useState } from 'react';
import { uploadErrorText } from '../../api/uploads';
import { choosePhotos } from '../../platform/photos';

/** A photo the user picked and the server took: its local path (for the thumbnail) and its upload id. */
export interface PickedPhoto {
  path: string;
  id: number;
}

/** What `usePhotoUploads` answers: the photos taken so far and the steps a picker needs. */
export interface PhotoUploads {
  photos: PickedPhoto[];
  uploading: boolean;
  /** Why the last upload was refused (the table's words and the server's, see `uploadErrorText`), or ''. */
  error: string;
  /** Opens the chooser for what is left of `max` and uploads each pick in order; stops at the first refusal. */
  add: () => Promise<void>;
  remove: (id: number) => void;
  /** Forgets every photo and the last refusal (a panel closed, a form sent). */
  clear: () => void;
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
    const picked = await choosePhotos(max - photos.length);
    if (picked.length === 0) return; // the chooser was closed
    setUploading(true);
    try {
      for (const path of picked) {
        const uploaded = await upload(path);
        setPhotos((list) => [...list, { path, id: uploaded.id }]);
      }
    } catch (err) {
      setError(uploadErrorText(err));
    } finally {
      setUploading(false);
    }
  }, [max, photos.length, upload]);
  const remove = useCallback((id: number) => setPhotos((list) => list.filter((p) => p.id !== id)), []);
  const clear = useCallback(() => {
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

/** The picked photos as thumbnails, each with a × that drops it, and a tile that adds more up to `max`. */
export default function PhotoPicker({ uploads, max, addLabel, addId, itemClassName }: PhotoPickerProps) {
  const { photos, uploading, add, remove } = uploads;
  return (
    <View className="ticket-photos">
      {photos.map((p) => (
        <View key={p.id} className={`ticket-photos__item${itemClassName ? ` ${itemClassName}` : ''}`}>
          <Image className="ticket-photos__img" src={p.path} mode="aspectFill" />
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
