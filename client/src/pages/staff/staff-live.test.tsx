import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import type { StaffLiveTicketEvent, StaffTicketView } from '@openhall/shared';
import { request } from '../../api/request';
import StaffQueuePage from './queue/index';
import StaffTicketPage from './ticket/index';
import { HOUR, staffTicket } from './staff-fixtures';
import { resetStaffLiveForTests } from './staff-live';

jest.mock('../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

/** EventSource as the browser offers it, driven by the test: `emit` delivers a server message. */
class MockEventSource {
  static instances: MockEventSource[] = [];
  static readonly CLOSED = 2;
  readyState = 0;
  closed = false;
  private listeners = new Map<string, Array<(e: unknown) => void>>();
  constructor(readonly url: string) {
    MockEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close(): void {
    this.closed = true;
    this.readyState = MockEventSource.CLOSED;
  }
  emit(type: string, data?: unknown, lastEventId = ''): void {
    const event = type === 'open' || type === 'error' ? { type } : { type, data: JSON.stringify(data), lastEventId };
    act(() => (this.listeners.get(type) ?? []).forEach((fn) => fn(event)));
  }
  static latest(): MockEventSource {
    return MockEventSource.instances[MockEventSource.instances.length - 1];
  }
}

function signInAsAgent() {
  Taro.setStorageSync('openhall.staffToken', 'staff-tok');
  Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
  Taro.setStorageSync('openhall.staffProfile', { id: 1, username: 'agent1', name: '王芳', jobNo: 'KF1001', role: 'agent' });
}

const filed = (ticketId: number, id: number, over: Partial<StaffLiveTicketEvent> = {}): StaffLiveTicketEvent => ({
  id,
  ticketId,
  created: true,
  type: 'fault',
  status: 'submitted',
  area: 'xihu',
  areaName: '西湖区',
  kinds: ['submitted'],
  ...over,
});

let queueItems: StaffTicketView[];
let tokens = 0;

beforeEach(() => {
  resetStaffLiveForTests();
  MockEventSource.instances = [];
  (globalThis as unknown as { EventSource: unknown }).EventSource = MockEventSource;
  tokens = 0;
  queueItems = [staffTicket(5, 'ok', 10 * HOUR)];
  requestMock.mockReset();
  requestMock.mockImplementation(async (path: string) => {
    if (path === '/staff/live/token') return { token: `live-token-${++tokens}`, expiresAt: '2099-01-01T00:00:00Z' } as never;
    if (path === '/staff/calendar') return { lastDay: '2027-12-31', daysLeft: 400, provisionalYears: [], warning: null } as never;
    if (path === '/staff/tickets') return { items: queueItems, page: 1, pageSize: 100, total: queueItems.length } as never;
    if (path === '/staff/tickets/5') return queueItems.find((t) => t.id === 5) as never;
    return [] as never;
  });
  jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
});
afterEach(() => {
  resetStaffLiveForTests();
  delete (globalThis as unknown as { EventSource?: unknown }).EventSource;
  jest.restoreAllMocks();
  window.history.replaceState(null, '', '/');
  document.title = '';
});

const queueCalls = () => requestMock.mock.calls.filter(([path]) => path === '/staff/tickets').length;

describe('the live console', () => {
  it('shows a ticket filed elsewhere in the open queue without a reload, counts it on the badge and in the title once, and reconnects with a fresh token', async () => {
    signInAsAgent();
    document.title = '工单队列';
    const { unmount } = render(<StaffQueuePage />);
    await screen.findByText('#5');
    // One connection for the page and its shell, opened with a stream token from the API.
    await waitFor(() => expect(MockEventSource.instances).toHaveLength(1));
    const es = MockEventSource.latest();
    expect(es.url).toBe('http://api.test/api/v1/staff/live?token=live-token-1');
    es.emit('open');
    expect(document.querySelector('#staff-live-status')?.textContent).toBe('实时更新中');
    expect(document.querySelector('#staff-new-badge')).toBeNull();

    const before = queueCalls();
    queueItems = [staffTicket(5, 'ok', 10 * HOUR), staffTicket(12, 'ok', 23 * HOUR)];
    es.emit('ticket', filed(12, 40), '40');
    expect(await screen.findByText('#12')).toBeTruthy();
    expect(queueCalls()).toBe(before + 1);
    expect(document.querySelector('#queue-ticket-12 .queue-row__new')?.textContent).toBe('新');
    expect(document.querySelector('#queue-ticket-5 .queue-row__new')).toBeNull();
    expect(document.querySelector('#staff-new-badge')?.textContent).toBe('1');
    expect(document.title).toBe('(1) 工单队列');

    // The same ticket again (a replay after a reconnect) is not a second new ticket.
    es.emit('ticket', filed(12, 40), '40');
    // A change to a ticket on the page reloads it; a closed ticket elsewhere does not concern the open queue.
    es.emit('ticket', filed(99, 41, { created: false, status: 'closed', kinds: ['confirmed'] }), '41');
    await act(() => new Promise((r) => setTimeout(r, 600)));
    expect(queueCalls()).toBe(before + 2);
    expect(document.querySelector('#staff-new-badge')?.textContent).toBe('1');

    // The stream drops: a new EventSource with a fresh token, resuming after the last event seen.
    es.emit('error');
    expect(es.closed).toBe(true);
    await waitFor(() => expect(MockEventSource.instances).toHaveLength(2), { timeout: 3_000 });
    expect(MockEventSource.latest().url).toBe('http://api.test/api/v1/staff/live?token=live-token-2&lastEventId=41');

    // Looking at the list again (刷新) starts the count over.
    fireEvent.click(document.querySelector('#queue-refresh')!);
    await waitFor(() => expect(document.querySelector('#staff-new-badge')).toBeNull());
    expect(document.title).toBe('工单队列');
    unmount();
    expect(MockEventSource.latest().closed).toBe(true);
  }, 20_000);

  it('the new-ticket sound is off by default; turned on it is remembered and chimes for a new ticket only', async () => {
    const oscillators: number[] = [];
    class FakeAudioContext {
      state = 'running';
      currentTime = 0;
      destination = {};
      createGain() {
        return { gain: { setValueAtTime: jest.fn(), exponentialRampToValueAtTime: jest.fn() }, connect: jest.fn() };
      }
      createOscillator() {
        return { type: '', frequency: { setValueAtTime: (hz: number) => oscillators.push(hz) }, connect: jest.fn(), start: jest.fn(), stop: jest.fn() };
      }
    }
    (window as unknown as { AudioContext: unknown }).AudioContext = FakeAudioContext;
    const now = jest.spyOn(Date, 'now');
    let clock = 1_000_000;
    now.mockImplementation(() => (clock += 5_000));
    signInAsAgent();
    render(<StaffQueuePage />);
    await screen.findByText('#5');
    await waitFor(() => expect(MockEventSource.instances).toHaveLength(1));
    const es = MockEventSource.latest();
    expect(screen.getByText('新工单提示音：关')).toBeTruthy();
    es.emit('ticket', filed(13, 50), '50');
    expect(oscillators).toHaveLength(0);

    fireEvent.click(document.querySelector('#staff-live-sound')!);
    expect(screen.getByText('新工单提示音：开')).toBeTruthy();
    expect(window.localStorage.getItem('openhall.staffLiveSound')).toContain('on');
    const sample = oscillators.length;
    expect(sample).toBe(2); // the chime played once, from the click, so the agent knows it

    es.emit('ticket', filed(5, 51, { created: false, status: 'accepted', kinds: ['accepted'] }), '51');
    expect(oscillators).toHaveLength(sample);
    es.emit('ticket', filed(14, 52), '52');
    expect(oscillators).toHaveLength(sample + 2);
    delete (window as unknown as { AudioContext?: unknown }).AudioContext;
  }, 20_000);

  it('an open ticket reloads when someone else changes it, not for other tickets', async () => {
    signInAsAgent();
    Current.router = { params: { id: '5' }, path: '/pages/staff/ticket/index', onReady: '', onHide: '', onShow: '' } as never;
    render(<StaffTicketPage />);
    await waitFor(() => expect(requestMock.mock.calls.some(([p]) => p === '/staff/tickets/5')).toBe(true));
    await waitFor(() => expect(MockEventSource.instances).toHaveLength(1));
    const loads = () => requestMock.mock.calls.filter(([p]) => p === '/staff/tickets/5').length;
    const before = loads();
    MockEventSource.latest().emit('ticket', filed(8, 60, { created: false, status: 'accepted' }), '60');
    await act(() => new Promise((r) => setTimeout(r, 50)));
    expect(loads()).toBe(before);
    queueItems = [staffTicket(5, 'ok', 10 * HOUR, { urgeCount: 1 })];
    MockEventSource.latest().emit('ticket', filed(5, 61, { created: false, kinds: ['urged'] }), '61');
    await waitFor(() => expect(loads()).toBe(before + 1));
  }, 20_000);
});
