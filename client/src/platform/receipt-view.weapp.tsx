import { RichText, View } from '@tarojs/components';
import { withoutReceiptScripts } from './receipt-html';
import type { ReceiptViewProps } from './types';

/** The receipt body without what rich-text cannot use (the head, style blocks, scripts). */
function bodyOf(html: string): string {
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  return withoutReceiptScripts(body).replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '');
}

/**
 * Mini-program: a web-view cannot send the bearer token, so the fetched receipt is shown with
 * rich-text; a screenshot of it is what subscribers keep.
 */
export default function ReceiptView({ html }: ReceiptViewProps) {
  return (
    <View className="receipt-view">
      <RichText className="receipt-view__rich" nodes={bodyOf(html)} />
    </View>
  );
}
