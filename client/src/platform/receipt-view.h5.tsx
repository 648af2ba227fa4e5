import { View } from '@tarojs/components';
import { useRef } from 'react';
import { fitReceiptToScreen, withoutReceiptScripts } from './receipt-html';
import type { ReceiptViewProps } from './types';
import Button from '../components/button';

/**
 * H5: the server's receipt page, whole, in a frame of its own so its styles cannot touch the app's
 * (and the app's cannot touch it), with a print button for the frame alone.
 */
export default function ReceiptView({ html, title }: ReceiptViewProps) {
  const frame = useRef<HTMLIFrameElement>(null);
  return (
    <View className="receipt-view">
      <iframe ref={frame} id="receipt-frame" className="receipt-view__frame" title={title} srcDoc={fitReceiptToScreen(withoutReceiptScripts(html))} />
      <Button className="btn-plain receipt-view__print" onClick={() => frame.current?.contentWindow?.print()}>
        打印凭证
      </Button>
    </View>
  );
}
