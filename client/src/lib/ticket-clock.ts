import { formatRemaining, isDueSoon, type SlaRisk, type TicketClockRisk, type TicketClockView } from '@openhall/shared';
import { useEffect, useMemo, useState } from 'react';

/** A ticket clock as it stands at a given moment. */
export interface LiveClock {
  remainingMs: number;
  risk: TicketClockRisk;
  /** '剩余 3 小时 20 分', '已超时 2 小时', '暂停计时（剩余 5 小时）', '按时办结'. */
  text: string;
}

/**
 * Where a clock the server computed stands `elapsedMs` after it was fetched. The server's
 * `remainingMs` is the reference (it knows pauses, extensions and the holiday calendar), counted down
 * by the time since the answer, so a phone whose clock is wrong still shows the right countdown.
 * Paused and completed clocks do not move.
 */
export function clockAt(clock: TicketClockView, elapsedMs: number): LiveClock {
  // The server could not compute this ticket's deadline from what it stored: staff are looking at it.
  if (clock.risk === 'unknown') return { remainingMs: 0, risk: 'unknown', text: '时限核实中' };
  if (clock.paused) return { remainingMs: clock.remainingMs, risk: 'paused', text: `暂停计时（${formatRemaining(clock.remainingMs)}）` };
  if (clock.onTime !== null) return { remainingMs: clock.remainingMs, risk: clock.risk, text: clock.onTime ? '按时办结' : '超时办结' };
  const remainingMs = clock.remainingMs - Math.max(0, elapsedMs);
  const risk: SlaRisk = remainingMs < 0 ? 'breached' : isDueSoon(remainingMs) ? 'due_soon' : 'ok';
  return { remainingMs, risk, text: formatRemaining(remainingMs) };
}

/** The clock counting down live (re-rendered every `tickMs`), or null when the ticket has none. */
export function useLiveClock(clock: TicketClockView | null | undefined, tickMs = 15_000): LiveClock | null {
  // A new answer from the server restarts the count from its figure.
  const fetchedAt = useMemo(() => (clock ? Date.now() : 0), [clock]);
  const [now, setNow] = useState(fetchedAt);
  const moving = !!clock && !clock.paused && clock.onTime === null && clock.risk !== 'unknown';
  useEffect(() => {
    setNow(Date.now());
    if (!moving) return undefined;
    const timer = setInterval(() => setNow(Date.now()), tickMs);
    return () => clearInterval(timer);
  }, [moving, tickMs, fetchedAt]);
  return clock ? clockAt(clock, now - fetchedAt) : null;
}
