import type { TicketClockView } from '@openhall/shared';
import { clockAt } from './ticket-clock';

const HOUR = 3_600_000;
const base: TicketClockView = {
  commitmentCode: 'fault_ordinary',
  title: '一般故障修复',
  targetAmount: 24,
  targetUnit: 'hours',
  startedAt: '2026-11-25T02:00:00.000Z',
  deadline: '2026-11-26T02:00:00.000Z',
  paused: false,
  remainingMs: 5 * HOUR,
  risk: 'ok',
  breached: false,
  onTime: null,
  pausedFor: null,
    pausedUntil: null,
  calendarNote: null,
  extensions: [],
};

describe('clockAt: the server clock counted down on the device', () => {
  it.each([
    ['just fetched, 5 h left', base, 0, 'ok', '剩余 5 小时'],
    ['one hour later: inside the 4-hour window', base, HOUR, 'due_soon', '剩余 4 小时'],
    ['exactly at the deadline is still on time', base, 5 * HOUR, 'due_soon', '剩余不足 1 分'],
    ['two hours past', base, 7 * HOUR, 'breached', '已超时 2 小时'],
    ['paused: frozen whatever the time', { ...base, paused: true, deadline: null, risk: 'paused' as const }, 10 * HOUR, 'paused', '暂停计时（剩余 5 小时）'],
    ['resolved on time: frozen', { ...base, onTime: true }, 10 * HOUR, 'ok', '按时办结'],
    ['not computable on the server: marked, never counted down', { ...base, deadline: null, remainingMs: 0, risk: 'unknown' as const }, 10 * HOUR, 'unknown', '时限核实中'],
    ['resolved late: frozen', { ...base, onTime: false, risk: 'breached' as const, remainingMs: -HOUR }, 10 * HOUR, 'breached', '超时办结'],
  ])('%s', (_name, clock, elapsed, risk, text) => {
    const live = clockAt(clock, elapsed);
    expect(live.risk).toBe(risk);
    expect(live.text).toBe(text);
  });

  it('ignores a device clock that went backwards', () => {
    expect(clockAt(base, -HOUR).remainingMs).toBe(5 * HOUR);
  });
});
