import { View } from '@tarojs/components';
import type { ReactNode } from 'react';
import './index.scss';

export interface SectionProps {
  title: string;
  /** Optional element at the right of the title, e.g. a "more" link. */
  extra?: ReactNode;
  className?: string;
  children?: ReactNode;
}

/** A titled white card grouping related content. */
export default function Section({ title, extra, className, children }: SectionProps) {
  return (
    <View className={`section${className ? ` ${className}` : ''}`}>
      <View className="section__head">
        <View className="section__title">{title}</View>
        {extra}
      </View>
      <View className="section__body">{children}</View>
    </View>
  );
}
