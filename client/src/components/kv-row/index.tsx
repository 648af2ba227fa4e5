import { View } from '@tarojs/components';
import type { ReactNode } from 'react';
import './index.scss';

export interface KvRowProps {
  /** The grey label on the left. */
  label: ReactNode;
  /** The value on the right. */
  children?: ReactNode;
  /** Id of the value, for tests. */
  valueId?: string;
  /** A bold total row with a rule above it. */
  total?: boolean;
  id?: string;
}

/** One "label … value" row of a bill, an order or a quote. */
export default function KvRow({ label, children, valueId, total, id }: KvRowProps) {
  return (
    <View className={`kv${total ? ' kv--total' : ''}`} id={id}>
      <View className="kv__key">{label}</View>
      <View className="kv__value" id={valueId}>
        {children}
      </View>
    </View>
  );
}
