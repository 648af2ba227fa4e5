import { Button as TaroButton } from '@tarojs/components';
import type { ComponentProps } from 'react';

export type ButtonProps = ComponentProps<typeof TaroButton>;

/**
 * Taro's Button, safe to relabel. On H5 Taro's Button is a Stencil element that keeps a marker
 * node among its children and inserts its loading spinner before it. Given a lone text child, React
 * replaces a changed label by setting the element's textContent, which removes that marker too: the
 * spinner then never shows (Stencil's insertBefore throws) and the element stops updating. Handing
 * React the text inside a fragment makes it keep the text as its own node and change only that.
 * The mini-program is unaffected either way.
 */
export default function Button({ children, ...props }: ButtonProps) {
  return <TaroButton {...props}>{typeof children === 'string' || typeof children === 'number' ? <>{children}</> : children}</TaroButton>;
}
