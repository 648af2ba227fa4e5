import { Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import type { ShareBillActionProps, ShareCard } from './types';
import Button from '../components/button';

/** The address of an app page in this H5 site (hash router): what someone opens in their own browser. */
export function shareUrlOf(path: string): string {
  const { origin, pathname } = window.location;
  return `${origin}${pathname}#${path}`;
}

async function copy(text: string): Promise<void> {
  if (typeof navigator !== 'undefined' && navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Not allowed here (an insecure origin, no focus): the textarea way below.
    }
  }
  await Taro.setClipboardData({ data: text });
}

/**
 * H5: the link to the pay page, shown whole (it can be selected and copied by hand), a 复制链接
 * button, and the system share sheet (`navigator.share`) where the browser has one.
 */
export function ShareBillAction({ id, card }: ShareBillActionProps) {
  const url = shareUrlOf(card.path);
  const canShare = typeof navigator !== 'undefined' && typeof navigator.share === 'function';
  const copyLink = async () => {
    try {
      await copy(url);
      void Taro.showToast({ title: '链接已复制，发给家人即可代付', icon: 'none' });
    } catch {
      void Taro.showToast({ title: '复制失败，请长按链接手动复制', icon: 'none' });
    }
  };
  return (
    <View className="share-action" id={id}>
      <View className="share-action__link">
        <Text id={`${id}-link`} userSelect>
          {url}
        </Text>
      </View>
      <View className="share-action__buttons">
        <Button id={`${id}-copy`} className="btn-primary share-action__btn" size="mini" onClick={() => void copyLink()}>
          复制链接
        </Button>
        {canShare && (
          <Button
            id={`${id}-native`}
            className="btn-plain share-action__btn"
            size="mini"
            // Closing the share sheet without sending rejects: nothing to say then.
            onClick={() => void navigator.share({ title: card.title, text: card.title, url }).catch(() => undefined)}
          >
            分享给…
          </Button>
        )}
      </View>
    </View>
  );
}

/** H5 has no share card: the link is the share. */
export function useShareCards(_cardOf: (shareKey: string | undefined) => ShareCard | null): void {}
