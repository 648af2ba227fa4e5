import { Button, View } from '@tarojs/components';
import type { ReactNode } from 'react';
import { errorMessageOf } from '../../api/errors';
import './index.scss';

export interface StateViewProps {
  loading: boolean;
  /** Any thrown value; shown through the one error-message table. */
  error?: unknown;
  /** True when loaded fine but there is nothing to show. */
  empty?: boolean;
  emptyText?: string;
  /** Shown under the empty text, e.g. a "bind an account" button. */
  emptyAction?: ReactNode;
  onRetry?: () => void;
  children?: ReactNode;
}

/** Loading, error and empty states for a block of content; renders children otherwise. */
export default function StateView({ loading, error, empty, emptyText, emptyAction, onRetry, children }: StateViewProps) {
  if (loading) {
    return (
      <View className="state state--loading">
        <View className="state__spinner" />
        <View className="state__text">加载中…</View>
      </View>
    );
  }
  if (error) {
    return (
      <View className="state state--error">
        <View className="state__text">{errorMessageOf(error)}</View>
        {onRetry && (
          <Button className="state__retry" size="mini" onClick={onRetry}>
            重试
          </Button>
        )}
      </View>
    );
  }
  if (empty) {
    return (
      <View className="state state--empty">
        <View className="state__text">{emptyText ?? '暂无内容'}</View>
        {emptyAction}
      </View>
    );
  }
  return <>{children}</>;
}
