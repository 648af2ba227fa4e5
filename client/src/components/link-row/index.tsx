import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import './index.scss';

export interface LinkRowProps {
  title: string;
  /** Grey line under the title. */
  desc?: string;
  /** Page path to open; tab pages are opened with switchTab. */
  url?: string;
  tab?: boolean;
  onClick?: () => void;
  className?: string;
}

/** A tappable list row with a chevron. */
export default function LinkRow({ title, desc, url, tab, onClick, className }: LinkRowProps) {
  const open = () => {
    if (onClick) return onClick();
    if (!url) return;
    if (tab) void Taro.switchTab({ url });
    else void Taro.navigateTo({ url });
  };
  return (
    <View className={`link-row${className ? ` ${className}` : ''}`} onClick={open}>
      <View className="link-row__main">
        <View className="link-row__title">{title}</View>
        {desc && <View className="link-row__desc">{desc}</View>}
      </View>
      <View className="link-row__chevron">›</View>
    </View>
  );
}
