import { View } from '@tarojs/components';
import type { ReactNode } from 'react';
import { ApiError, errorMessageOf } from '../../api/errors';
import './index.scss';
import Button from '../button';

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
  /**
   * What a NOT_FOUND answer means here ("工单不存在…"), instead of the table's general words; no 重试
   * then, as asking again finds nothing either.
   */
  notFoundText?: string;
  children?: ReactNode;
}

/** Loading, error and empty states for a block of content; renders children otherwise. */
export default function StateView({ loading, error, empty, emptyText, emptyAction, onRetry, notFoundText, children }: StateViewProps) {
  if (loading) {
    return (
      <View className="state state--loading">
        <View className="state__spinner" />
        <View className="state__text">加载中…</View>
      </View>
    );
  }
  if (error) {
    const notFound = notFoundText !== undefined && error instanceof ApiError && error.code === 'NOT_FOUND';
    return (
      <View className={`state state--error${notFound ? ' state--not-found' : ''}`}>
        <View className="state__text">{notFound ? notFoundText : errorMessageOf(error)}</View>
        {onRetry && !notFound && (
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
