import { View } from '@tarojs/components';
import type { ChangeEvent } from 'react';
import type { FilePickerProps } from './types';

/**
 * H5: the browser's own file control (`<input type="file">`). The File it gives is handed on as it
 * is: a request sends it as the body straight from disk, so a large file is never read into a string.
 */
export default function FilePicker({ id, extensions, label, disabled, onPick }: FilePickerProps) {
  const accept = extensions.map((e) => `.${e}`).join(',');
  const picked = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    // Cleared, so picking the same file again (after correcting it) fires again.
    e.target.value = '';
    if (file) onPick({ name: file.name, size: file.size, data: file });
  };
  return (
    <View id={id} className="file-picker">
      <label className="file-picker__label">
        <span className="file-picker__text">{label}</span>
        <input id={`${id}-input`} className="file-picker__input" type="file" accept={accept} disabled={disabled} onChange={picked} />
      </label>
    </View>
  );
}
