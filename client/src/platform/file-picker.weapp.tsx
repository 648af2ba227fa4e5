import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import type { FilePickerProps } from './types';
import Button from '../components/button';

/**
 * Mini-program: a file from a WeChat chat (`wx.chooseMessageFile`, the only files a mini-program can
 * reach), read into memory to be sent as a request body.
 */
export default function FilePicker({ id, extensions, label, disabled, onPick }: FilePickerProps) {
  const choose = async () => {
    let chosen: Taro.chooseMessageFile.SuccessCallbackResult;
    try {
      chosen = await Taro.chooseMessageFile({ count: 1, type: 'file', extension: [...extensions] });
    } catch {
      return; // the user closed the chooser
    }
    const file = chosen.tempFiles[0];
    if (!file) return;
    const data = Taro.getFileSystemManager().readFileSync(file.path) as ArrayBuffer;
    onPick({ name: file.name, size: file.size, data });
  };
  return (
    <View id={id} className="file-picker">
      <Button className="btn-plain" size="mini" disabled={disabled} onClick={() => void choose()}>
        {label}
      </Button>
    </View>
  );
}
