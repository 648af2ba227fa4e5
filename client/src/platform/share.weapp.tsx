import { View } from '@tarojs/components';
import { useShareAppMessage } from '@tarojs/taro';
import type { ShareBillActionProps, ShareCard } from './types';
import Button from '../components/button';

/**
 * Mini-program: a button that sends a share card to a WeChat chat (`open-type="share"`); the card
 * opens the pay page. The page answers the card's title and path with `useShareCards`, and its
 * config sets `enableShareAppMessage`.
 */
export function ShareBillAction({ id, shareKey }: ShareBillActionProps) {
  return (
    <View className="share-action" id={id}>
      <Button id={`${id}-card`} className="btn-primary share-action__btn" size="mini" openType="share" data-share={shareKey}>
        发给微信好友
      </Button>
      <View className="muted">好友打开卡片即可查看金额并代付</View>
    </View>
  );
}

/** Where a card goes when none is named (the page's own share menu). */
const HOME_CARD: ShareCard = { title: '网上营业厅', path: '/pages/home/index' };

/**
 * `onShareAppMessage` of the page: the card of the share whose button was tapped (its `data-share`);
 * the share menu (no button) sends the home page.
 */
export function useShareCards(cardOf: (shareKey: string | undefined) => ShareCard | null): void {
  useShareAppMessage((res) => {
    const key = res.from === 'button' ? (res.target as { dataset?: { share?: string } } | undefined)?.dataset?.share : undefined;
    const card = cardOf(key) ?? HOME_CARD;
    return { title: card.title, path: card.path };
  });
}
