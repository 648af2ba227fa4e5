import { useRef, useState, type ReactNode } from 'react';
import Button from '../button';

export interface ActionButtonProps {
  id?: string;
  className?: string;
  size?: 'mini' | 'default';
  /** Nothing to act on (no bill chosen, form incomplete): drawn greyed out, and a tap does nothing. */
  disabled?: boolean;
  /** The caller's own in-flight flag (e.g. `usePayment().paying`), on top of this button's own. */
  busy?: boolean;
  /** A returned promise keeps the button busy (spinner, taps ignored) until it settles. */
  onClick: () => unknown;
  children?: ReactNode;
}

/**
 * The one button for actions that must not run twice (paying, renewing, topping up, paying for someone,
 * sharing a bill): a tap while the previous one is still in flight, or while disabled, is ignored here —
 * not only by the platform's `disabled`, which the mini-program applies a render later (a quick double tap
 * gets through) and which a page's button colour used to hide. Looks disabled when it is.
 */
export default function ActionButton({ id, className, size, disabled = false, busy = false, onClick, children }: ActionButtonProps) {
  const inFlight = useRef(false);
  const [running, setRunning] = useState(false);
  const working = busy || running;
  const off = disabled || working;

  const tap = () => {
    if (disabled || busy || inFlight.current) return;
    let result: unknown;
    try {
      result = onClick();
    } catch (err) {
      inFlight.current = false;
      throw err;
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      inFlight.current = true;
      setRunning(true);
      void Promise.resolve(result)
        .catch(() => undefined)
        .finally(() => {
          inFlight.current = false;
          setRunning(false);
        });
    }
  };

  return (
    <Button
      id={id}
      className={`${className ?? ''}${disabled ? ' action-btn--disabled' : ''}`.trim()}
      size={size}
      disabled={off}
      loading={working}
      aria-disabled={off}
      onClick={tap}
    >
      {children}
    </Button>
  );
}
