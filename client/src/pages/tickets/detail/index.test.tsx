import type { TicketView, UploadView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import TicketDetailPage from './index';
import { fakePrivateImageFetch } from '../../../../test/private-image-fetch';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const HOUR = 3_600_000;

function ticketWith(over: Partial<TicketView> = {}): TicketView {
  return {
    id: 12,
    type: 'fault',
    severity: 'ordinary',
    status: 'en_route',
    accountId: 7,
    description: '家里从早上开始没有水',
    contactPhoneMasked: '138****0001',
    clock: {
      commitmentCode: 'fault_ordinary',
      title: '一般故障修复',
      targetAmount: 24,
      targetUnit: 'hours',
      startedAt: '2026-11-25T02:00:00.000Z',
      deadline: '2026-11-26T02:00:00.000Z',
      paused: false,
      remainingMs: 3 * HOUR + 20 * 60_000,
      risk: 'due_soon',
      breached: false,
      onTime: null,
      pausedFor: null,
    pausedUntil: null,
      calendarNote: null,
      extensions: [],
    },
    owner: { name: '王芳', jobNo: 'KF1001' },
    technician: { name: '李师傅', jobNo: 'W1024' },
    workOrderNo: 'WO000001',
    urgeCount: 0,
    canUrge: true,
    createdAt: '2026-11-25T02:00:00.000Z',
    resolvedAt: null,
    timeline: [
      { id: 1, kind: 'submitted', actorKind: 'subscriber', actorName: null, actorJobNo: null, message: '工单已提交', occurredAt: '2026-11-25T02:00:00.000Z' },
      { id: 2, kind: 'accepted', actorKind: 'staff', actorName: '王芳', actorJobNo: 'KF1001', message: '您的工单已由客服 王芳（工号 KF1001）受理', occurredAt: '2026-11-25T02:10:00.000Z' },
      { id: 3, kind: 'en_route', actorKind: 'workorder', actorName: '李师傅', actorJobNo: 'W1024', message: '维修人员已出发', occurredAt: '2026-11-25T05:00:00.000Z' },
    ],
    ...over,
  };
}

/** Answers the ticket and its photos (none unless given); any other path gets the ticket, as before photos were shown. */
function answer(ticket: TicketView, photos: UploadView[] = []) {
  requestMock.mockImplementation(async (path: string) => (path === `/tickets/${ticket.id}/photos` ? photos : ticket));
}

describe('ticket detail', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { id: '12' }, path: '/pages/tickets/detail/index', onReady: '', onHide: '', onShow: '' } as never;
    jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('a ticket that is not there (404 NOT_FOUND) says 工单不存在, without 重试', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    requestMock.mockImplementation(async () => {
      throw new ApiError('NOT_FOUND', '工单不存在', 404);
    });
    render(<TicketDetailPage />);
    expect(await screen.findByText(/^工单不存在/)).toBeTruthy();
    expect(screen.queryByText(/填写的信息有误|没有找到相关信息/)).toBeNull();
    expect(screen.queryByText('重试')).toBeNull();
  });

  it('a link without a ticket number says 工单不存在 without asking the server (which would answer "invalid")', async () => {
    for (const id of [undefined, 'abc', '0x1f', '12abc']) {
      Current.router = { params: id === undefined ? {} : { id }, path: '/pages/tickets/detail/index', onReady: '', onHide: '', onShow: '' } as never;
      const { unmount } = render(<TicketDetailPage />);
      expect(await screen.findByText(/^工单不存在/)).toBeTruthy();
      unmount();
    }
    expect(requestMock).not.toHaveBeenCalled();
  });

  it('a request that hangs ends in 请求超时 with 重试, which loads the ticket', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    let calls = 0;
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/tickets/12' && calls++ === 0) throw new ApiError('TIMEOUT', 'no answer', 0);
      return path === '/tickets/12/photos' ? [] : ticketWith();
    });
    render(<TicketDetailPage />);
    expect(await screen.findByText('请求超时，请检查网络后点“重试”')).toBeTruthy();
    fireEvent.click(screen.getByText('重试'));
    expect(await screen.findByText('家里从早上开始没有水')).toBeTruthy();
  });

  it('counts down from the server’s remaining time, in the due-soon colour, and turns red once late', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    answer(ticketWith({ clock: { ...ticketWith().clock!, remainingMs: 60_000 + 30_000 } }));
    render(<TicketDetailPage />);
    const remaining = await screen.findByText('剩余 1 分');
    expect(requestMock).toHaveBeenCalledWith('/tickets/12');
    expect(remaining.closest('.ticket-clock')?.className).toContain('ticket-clock--due_soon');
    expect(screen.getByText('承诺时限：一般故障修复（24 小时）')).toBeTruthy();
    expect(screen.getByText('最迟 11月26日 10:00 前处理完成')).toBeTruthy();

    act(() => {
      jest.advanceTimersByTime(3 * 60_000);
    });
    const late = screen.getByText('已超时 1 分');
    expect(late.closest('.ticket-clock')?.className).toContain('ticket-clock--breached');
  });

  it('shows who is coming with their job number, and the timeline newest first', async () => {
    answer(ticketWith());
    render(<TicketDetailPage />);
    expect(await screen.findByText('剩余 3 小时 20 分')).toBeTruthy();
    expect(document.querySelector('#ticket-owner')?.textContent).toContain('王芳（工号 KF1001）');
    expect(document.querySelector('#ticket-technician')?.textContent).toContain('李师傅（工号 W1024）');
    const messages = Array.from(document.querySelectorAll('.timeline__message')).map((e) => e.textContent);
    expect(messages).toEqual(['维修人员已出发', '您的工单已由客服 王芳（工号 KF1001）受理', '工单已提交']);
    expect(document.querySelector('.timeline__item--accepted .timeline__actor')?.textContent).toBe('王芳（工号 KF1001）');
    expect(screen.getByText('138****0001')).toBeTruthy();
  });

  it('offers only what the status allows: no cancel once someone is on the way; confirm and reopen after resolution', async () => {
    answer(ticketWith());
    const { unmount } = render(<TicketDetailPage />);
    await screen.findByText('补充信息');
    expect(screen.getByText('催单')).toBeTruthy();
    expect(screen.queryByText('撤销工单')).toBeNull();
    expect(screen.queryByText('确认已解决')).toBeNull();
    unmount();

    answer(
      ticketWith({ status: 'resolved', canUrge: false, resolvedAt: '2026-11-25T08:00:00.000Z', clock: { ...ticketWith().clock!, onTime: true, risk: 'ok', remainingMs: 18 * HOUR } }),
    );
    render(<TicketDetailPage />);
    expect(await screen.findByText('确认已解决')).toBeTruthy();
    expect(screen.getByText('未解决，重新处理')).toBeTruthy();
    expect(screen.getByText('按时办结')).toBeTruthy();
    expect(screen.queryByText('催单')).toBeNull();
    expect(screen.queryByText('补充信息')).toBeNull();
  });

  it('reopens with a reason and shows the answer; a refused urge shows the table message', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    const resolved = ticketWith({ status: 'resolved', canUrge: false, clock: { ...ticketWith().clock!, onTime: true } });
    requestMock.mockImplementation(async (path: string, opts?: { data?: Record<string, unknown> }) => {
      if (path === '/tickets/12') return resolved;
      if (path === '/tickets/12/photos') return [];
      if (path === '/tickets/12/reopen') return ticketWith({ status: 'accepted', technician: null, canUrge: true, description: `reopened: ${String(opts?.data?.reason)}` });
      if (path === '/tickets/12/urge') throw new ApiError('TICKET_URGE_LIMITED', 'limited', 429);
      throw new Error(`unexpected ${path}`);
    });
    render(<TicketDetailPage />);
    fireEvent.click(await screen.findByText('未解决，重新处理'));
    const box = await waitFor(() => {
      const el = document.querySelector('#ticket-compose-text textarea') as HTMLTextAreaElement | null;
      if (!el) throw new Error('no textarea');
      return el;
    });
    fireEvent.input(box, { target: { value: '还是没有水' } });
    await act(async () => {
      fireEvent.click(screen.getByText('重新处理', { selector: '#ticket-compose-submit, #ticket-compose-submit *' }));
    });
    expect(await screen.findByText('reopened: 还是没有水')).toBeTruthy();
    expect(screen.getByText('故障报修 · 已受理')).toBeTruthy();

    await act(async () => {
      fireEvent.click(screen.getByText('催单'));
    });
    expect(await screen.findByText('催单过于频繁：每12小时可催办1次，每张工单最多3次')).toBeTruthy();
  });
  it('rates a resolved ticket 2 stars with a poor-service reason and says a callback follows', async () => {
    const resolved = ticketWith({ status: 'resolved', canUrge: false, clock: { ...ticketWith().clock!, onTime: true } });
    requestMock.mockImplementation(async (path: string, opts?: { data?: Record<string, unknown> }) => {
      if (path === '/tickets/12') return resolved;
      if (path === '/tickets/12/photos') return [];
      if (path === '/tickets/12/rating' && !opts) return { ticketId: 12, canRate: true, rateBy: '2026-11-28T08:00:00.000Z', rating: null };
      if (path === '/tickets/12/rating') {
        return { ticketId: 12, canRate: false, rateBy: '2026-11-28T08:00:00.000Z', rating: { ...opts!.data, createdAt: '2026-11-25T09:00:00.000Z' } };
      }
      throw new Error(`unexpected ${path}`);
    });
    render(<TicketDetailPage />);
    // Two answers in a row (the ticket, then its rating): allow for a busy machine.
    expect(await screen.findByText('请在 11月28日 16:00 前评价', {}, { timeout: 5000 })).toBeTruthy();
    // Without stars nothing is sent.
    await act(async () => {
      fireEvent.click(screen.getByText('提交评价', { selector: '#rating-submit, #rating-submit *' }));
    });
    expect(screen.getByText('请选择1到5星')).toBeTruthy();

    fireEvent.click(document.querySelector('#rating-star-2')!);
    expect(document.querySelectorAll('.stars__item--on')).toHaveLength(2);
    expect(screen.queryByText('服务态度好')).toBeNull();
    fireEvent.click(screen.getByText('处理太慢'));
    await act(async () => {
      fireEvent.click(screen.getByText('提交评价', { selector: '#rating-submit, #rating-submit *' }));
    });
    expect(requestMock).toHaveBeenCalledWith('/tickets/12/rating', { method: 'POST', data: { stars: 2, reasons: ['too_slow'], comment: '' } });
    expect(await screen.findByText('感谢您的评价，客服将尽快电话回访您')).toBeTruthy();
  });
  it('shows the photos as thumbnails fetched with the session token; a tap opens them full screen; a photo that fails says so', async () => {
    const photo = (id: number): UploadView => ({ id, contentType: 'image/jpeg', sizeBytes: 1000, createdAt: '2026-11-25T02:00:00.000Z' });
    answer(ticketWith(), [photo(31), photo(32), photo(33)]);
    const fetchMock = jest.fn(async (url: string) => (url.endsWith('/33') ? { ok: false, status: 404 } : { ok: true, status: 200, blob: async () => new Blob([url]) }));
    const made: string[] = [];
    const revoked: string[] = [];
    const saved = { fetch: globalThis.fetch, create: URL.createObjectURL, revoke: URL.revokeObjectURL };
    Object.assign(globalThis, { fetch: fetchMock });
    URL.createObjectURL = () => {
      made.push(`blob:photo-${made.length + 1}`);
      return made[made.length - 1];
    };
    URL.revokeObjectURL = (u: string) => void revoked.push(u);
    const preview = jest.spyOn(Taro, 'previewImage').mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
    try {
      const { unmount } = render(<TicketDetailPage />);
      expect(await screen.findByText('照片（3）')).toBeTruthy();
      await waitFor(() => expect(document.querySelectorAll('.ticket-photos__img')).toHaveLength(2));
      expect(fetchMock).toHaveBeenCalledWith('http://api.test/api/v1/tickets/12/photos/31', { headers: { Authorization: 'Bearer tok' } });
      expect(requestMock).toHaveBeenCalledWith('/tickets/12/photos');
      expect(document.querySelector('#ticket-photo-3')?.textContent).toBe('加载失败');
      const srcOf = (n: number) => document.querySelector(`#ticket-photo-${n} .ticket-photos__img`)!.getAttribute('src')!;
      expect([srcOf(1), srcOf(2)].sort()).toEqual([...made].sort());
      fireEvent.click(document.querySelector('#ticket-photo-2 .ticket-photos__img')!);
      expect(preview).toHaveBeenCalledWith({ urls: [srcOf(1), srcOf(2)], current: srcOf(2) });
      unmount();
      expect(revoked.sort()).toEqual([...made].sort());
    } finally {
      Object.assign(globalThis, { fetch: saved.fetch });
      URL.createObjectURL = saved.create;
      URL.revokeObjectURL = saved.revoke;
    }
  });

  it('a photo the browser cannot draw (HEIC) says so, stays out of the full-screen view, and a tap downloads it named for the ticket', async () => {
    const photo = (id: number, contentType: UploadView['contentType']): UploadView => ({ id, contentType, sizeBytes: 1000, createdAt: '2026-11-25T02:00:00.000Z' });
    answer(ticketWith(), [photo(31, 'image/heic'), photo(32, 'image/jpeg')]);
    const browser = fakePrivateImageFetch();
    const preview = jest.spyOn(Taro, 'previewImage').mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
    try {
      const { unmount } = render(<TicketDetailPage />);
      await waitFor(() => expect(document.querySelectorAll('.ticket-photos__img')).toHaveLength(2));
      act(() => {
        fireEvent.error(document.querySelector('#ticket-photo-1 .ticket-photos__img')!);
      });
      expect(document.querySelector('#ticket-photo-1')?.textContent).toBe('此照片无法在浏览器中预览下载原图');
      fireEvent.click(document.querySelector('#ticket-photo-2 .ticket-photos__img')!);
      expect(preview).toHaveBeenCalledWith({ urls: ['blob:32'], current: 'blob:32' });
      fireEvent.click(screen.getByText('下载原图'));
      await waitFor(() => expect(browser.downloads).toEqual([{ href: 'blob:31', download: '工单12-照片1.heic' }]));
      unmount();
    } finally {
      browser.restore();
    }
  });

  it('shows no photo section for a ticket without photos', async () => {
    answer(ticketWith());
    render(<TicketDetailPage />);
    await screen.findByText('家里从早上开始没有水');
    await waitFor(() => expect(requestMock).toHaveBeenCalledWith('/tickets/12/photos'));
    await act(async () => {
      await requestMock.mock.results.find((_, i) => requestMock.mock.calls[i][0] === '/tickets/12/photos')!.value;
    });
    expect(screen.queryByText(/^照片/)).toBeNull();
    expect(document.querySelector('.ticket-photos')).toBeNull();
  });
});
