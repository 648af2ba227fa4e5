import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import type { WechatComplaintView } from '@openhall/shared';
import { ApiError } from '../../../api/errors';
import { request } from '../../../api/request';
import { answerFileChooser, fileBytes, fileOf } from '../../../../test/file-chooser';
import { HOUR, staffTicket } from '../staff-fixtures';
import StaffTicketPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

function complaint(over: Partial<WechatComplaintView> = {}): WechatComplaintView {
  return {
    complaintId: '200020261204123456789012345',
    state: 'PENDING',
    stateLabel: '待处理',
    complaintTime: '2026-12-04T02:00:00.000Z',
    detail: '交了水费但账单还显示未缴',
    problemType: 'OTHERS',
    payerPhoneMasked: '139****5678',
    payment: { outTradeNo: 'OH2026120400001', transactionId: '4200000000202612041234567890', amountFen: 4280, orderId: 12, orderDescription: '水费 2026年11月', paidAt: '2026-12-04T01:00:00.000Z' },
    negotiation: [{ operateType: 'USER_CREATE_COMPLAINT', operateLabel: '用户提交投诉', operator: '投诉人', operateTime: '2026-12-04T02:00:00.000Z', details: '交了水费但账单还显示未缴' }],
    deliveries: [],
    replyClosed: null,
    lastSyncedAt: '2026-12-04T02:01:00.000Z',
    ...over,
  };
}

/**
 * Answers the page's requests by path: the lists every staff ticket page reads (canned replies, staff,
 * photos), then `answers`; any other request fails the test.
 */
function answerRequests(answers: Record<string, () => unknown>): void {
  requestMock.mockImplementation(async (path: string) => {
    if (path === '/staff/canned-replies') return { reply: [], 'request-information': [], resolve: [] };
    if (path === '/staff/users') return [];
    if (path === '/staff/tickets/9/photos') return [];
    const answer = answers[path];
    if (!answer) throw new Error(`unexpected ${path}`);
    return answer();
  });
}

describe('staff ticket: WeChat Pay complaint', () => {
  beforeEach(() => {
    requestMock.mockReset();
    Current.router = { params: { id: '9' }, path: '/pages/staff/ticket/index', onReady: '', onHide: '', onShow: '' } as never;
    Taro.setStorageSync('openhall.staffToken', 'staff-tok');
    Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
    Taro.setStorageSync('openhall.staffProfile', { id: 1, username: 'agent1', name: '王芳', jobNo: 'KF1001', role: 'agent' });
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows the payment, the masked payer phone and the negotiation history, and reads WeChat again after a reply', async () => {
    const mine = { status: 'accepted' as const, type: 'complaint' as const, ownerStaffId: 1, owner: { name: '王芳', jobNo: 'KF1001' } };
    let replied = false;
    answerRequests({
      '/staff/tickets/9': () => staffTicket(9, 'ok', 50 * HOUR, mine),
      '/staff/tickets/9/reply': () => {
        replied = true;
        return staffTicket(9, 'ok', 50 * HOUR, { ...mine, status: 'accepted', timeline: [{ id: 1, kind: 'reply', actorKind: 'staff', actorName: '王芳', actorJobNo: 'KF1001', message: '已核实', occurredAt: '2026-12-04T03:00:00.000Z', visibleToSubscriber: true }] });
      },
      '/staff/tickets/9/wechatpay-complaint': () => {
        return replied
          ? complaint({
              state: 'PROCESSING',
              stateLabel: '处理中',
              negotiation: [...complaint().negotiation, { operateType: 'MERCHANT_RESPONSE', operateLabel: '商户回复', operator: '商家', operateTime: '2026-12-04T03:00:00.000Z', details: '已核实' }],
              deliveries: [{ kind: 'response', status: 'sent', waitingForEarlier: false, attempts: 1, lastError: null, imageCount: 0, imageIds: [], createdAt: '2026-12-04T03:00:00.000Z', takenAfterAll: false }],
            })
          : complaint();
      },
    });
    render(<StaffTicketPage />);
    await waitFor(() => expect(document.querySelector('#staff-wxcomplaint-state')?.textContent).toBe('待处理'));
    expect(document.querySelector('#staff-wxcomplaint-payment')?.textContent).toContain('OH2026120400001 · ¥42.80 · 水费 2026年11月');
    expect(document.querySelector('#staff-wxcomplaint-phone')?.textContent).toBe('139****5678');
    expect(document.querySelector('#staff-wxcomplaint-history')?.textContent).toContain('用户提交投诉');

    fireEvent.click(await screen.findByText('回复用户'));
    const field = await waitFor(() => {
      const el = document.querySelector('#staff-panel-text textarea');
      if (!el) throw new Error('no reply field yet');
      return el;
    });
    fireEvent.input(field, { target: { value: '已核实' } });
    await act(async () => {
      fireEvent.click(document.querySelector('#staff-panel-submit')!);
    });
    await waitFor(() => expect(document.querySelector('#staff-wxcomplaint-state')?.textContent).toBe('处理中'));
    expect(document.querySelector('#staff-wxcomplaint-history')?.textContent).toContain('商户回复');
    expect(document.querySelector('#staff-wxcomplaint-deliveries')?.textContent).toContain('商户回复：微信支付已收到');
  });

  it('picks images for the reply, uploads them as chosen and sends their ids with it; a file that is no image, one too many and a refused image each say why and stay out', async () => {
    const mine = { status: 'accepted' as const, type: 'complaint' as const, channel: 'wechatpay_complaint' as const, ownerStaffId: 1, owner: { name: '王芳', jobNo: 'KF1001' } };
    answerRequests({
      '/staff/tickets/9': () => staffTicket(9, 'ok', 50 * HOUR, mine),
      '/staff/tickets/9/reply': () => staffTicket(9, 'ok', 50 * HOUR, mine),
      '/staff/tickets/9/wechatpay-complaint': () => complaint(),
    });
    const choose = answerFileChooser(
      [fileOf('receipt-1.png', fileBytes.png), fileOf('receipt-2.jpg', fileBytes.jpeg), fileOf('complaint.pdf', fileBytes.pdf)],
      [fileOf('photo.heic', fileBytes.heic), fileOf('3.jpg', fileBytes.jpeg), fileOf('4.jpg', fileBytes.jpeg)],
    );
    const answer = (status: number, body: unknown) => ({ statusCode: status, data: JSON.stringify(body), errMsg: 'ok' }) as never;
    const upload = jest
      .spyOn(Taro, 'uploadFile')
      .mockResolvedValueOnce(answer(201, { data: { id: 41, contentType: 'image/png', sizeBytes: 1000, createdAt: '' } }))
      .mockResolvedValueOnce(answer(201, { data: { id: 42, contentType: 'image/jpeg', sizeBytes: 2000, createdAt: '' } }))
      .mockResolvedValueOnce(answer(415, { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: '微信支付只接受 JPG、PNG 或 BMP 格式的图片，请转换格式（或截图）后重新上传' } }));
    render(<StaffTicketPage />);
    await waitFor(() => expect(document.querySelector('#staff-wxcomplaint-state')?.textContent).toBe('待处理'));

    // Only a reply takes images: asking for information does not offer them.
    fireEvent.click(await screen.findByText('请用户补充资料'));
    await waitFor(() => expect(document.querySelector('#staff-panel')).not.toBeNull());
    expect(document.querySelector('#staff-reply-images')).toBeNull();

    fireEvent.click(screen.getByText('回复用户'));
    await waitFor(() => expect(document.querySelector('#staff-reply-images')?.textContent).toContain('JPG、PNG 或 BMP 格式，每张不超过 2 MB，最多 4 张'));
    await act(async () => {
      fireEvent.click(document.querySelector('#staff-reply-add-image')!);
    });
    await waitFor(() => expect(document.querySelectorAll('.staff-reply-image')).toHaveLength(2));
    // The PDF chosen with them is no image: named under the picker, and never sent.
    expect(document.querySelector('#staff-reply-image-error')?.textContent).toBe('「complaint.pdf」不是照片，没有添加：只能选择照片（JPG、PNG 格式），请重新选择');
    expect(upload).toHaveBeenCalledTimes(2);
    expect(upload).toHaveBeenCalledWith(
      expect.objectContaining({ url: 'http://api.test/api/v1/staff/tickets/9/wechatpay-complaint/images', filePath: 'blob:receipt-1.png', name: 'file', header: { Authorization: 'Bearer staff-tok' } }),
    );

    // Three more where two may still go: the third is left out and counted. The first of the two is
    // refused by the server: the table's words and the server's, which say what to do; the two taken stay.
    await act(async () => {
      fireEvent.click(document.querySelector('#staff-reply-add-image')!);
    });
    await waitFor(() =>
      expect(document.querySelector('#staff-reply-image-error')?.textContent).toBe('最多还能添加 2 张，多选的 1 张没有添加；不支持的内容格式：微信支付只接受 JPG、PNG 或 BMP 格式的图片，请转换格式（或截图）后重新上传'),
    );
    expect(choose).toHaveBeenCalledTimes(2);
    expect(upload).toHaveBeenCalledTimes(3);
    expect(document.querySelectorAll('.staff-reply-image')).toHaveLength(2);

    const field = await waitFor(() => {
      const el = document.querySelector('#staff-panel-text textarea');
      if (!el) throw new Error('no reply field yet');
      return el;
    });
    fireEvent.input(field, { target: { value: '缴费凭证见附图' } });
    await act(async () => {
      fireEvent.click(document.querySelector('#staff-panel-submit')!);
    });
    await waitFor(() =>
      expect(requestMock).toHaveBeenCalledWith(
        '/staff/tickets/9/reply',
        expect.objectContaining({ method: 'POST', data: { message: '缴费凭证见附图', imageIds: [41, 42], idempotencyKey: expect.stringMatching(/^[0-9a-f]{32}$/) } }),
      ),
    );
    await waitFor(() => expect(document.querySelector('#staff-panel')).toBeNull());
  });

  it('a reply sent again after a failed try carries the same key (the server records it once); the next reply gets a new one', async () => {
    const mine = { status: 'accepted' as const, type: 'complaint' as const, channel: 'wechatpay_complaint' as const, ownerStaffId: 1, owner: { name: '王芳', jobNo: 'KF1001' } };
    let tries = 0;
    answerRequests({
      '/staff/tickets/9': () => staffTicket(9, 'ok', 50 * HOUR, mine),
      '/staff/tickets/9/reply': () => {
        // The first try times out (it may or may not have reached the server).
        if (++tries === 1) throw new ApiError('NETWORK', 'timeout', 0);
        return staffTicket(9, 'ok', 50 * HOUR, mine);
      },
      '/staff/tickets/9/wechatpay-complaint': () => complaint(),
    });
    render(<StaffTicketPage />);
    await waitFor(() => expect(document.querySelector('#staff-wxcomplaint-state')?.textContent).toBe('待处理'));
    const typeReply = async (value: string) => {
      const field = await waitFor(() => {
        const el = document.querySelector('#staff-panel-text textarea');
        if (!el) throw new Error('no reply field yet');
        return el;
      });
      fireEvent.input(field, { target: { value } });
    };
    const submit = () =>
      act(async () => {
        fireEvent.click(document.querySelector('#staff-panel-submit')!);
      });
    const keysSent = () =>
      requestMock.mock.calls.filter(([path]) => path === '/staff/tickets/9/reply').map(([, opts]) => (opts as { data: { message: string; idempotencyKey: string } }).data);

    fireEvent.click(await screen.findByText('回复用户'));
    await typeReply('已核实，见图');
    await submit();
    await waitFor(() => expect(document.querySelector('#staff-action-error')).not.toBeNull());
    // The panel stays with the text; the agent sends it again.
    await submit();
    await waitFor(() => expect(document.querySelector('#staff-panel')).toBeNull());
    const [first, second] = keysSent();
    expect(first).toEqual({ message: '已核实，见图', idempotencyKey: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(second).toEqual(first);

    // A new reply, even with the same words, is a new submit.
    fireEvent.click(screen.getByText('回复用户'));
    await typeReply('已核实，见图');
    await submit();
    await waitFor(() => expect(keysSent()).toHaveLength(3));
    expect(keysSent()[2].message).toBe('已核实，见图');
    expect(keysSent()[2].idempotencyKey).toMatch(/^[0-9a-f]{32}$/);
    expect(keysSent()[2].idempotencyKey).not.toBe(first.idempotencyKey);
  });

  it('the images a reply sent open from the block: fetched with the console token, a tap shows them full screen; one that is gone says so', async () => {
    answerRequests({
      '/staff/tickets/9': () => staffTicket(9, 'ok', 50 * HOUR, { type: 'complaint', status: 'accepted', ownerStaffId: 2 }),
      '/staff/tickets/9/wechatpay-complaint': () => {
        return complaint({
          deliveries: [
            { kind: 'response', status: 'sent', waitingForEarlier: false, attempts: 1, lastError: null, imageCount: 0, imageIds: [], createdAt: '2026-12-04T03:00:00.000Z', takenAfterAll: false },
            { kind: 'response', status: 'sent', waitingForEarlier: false, attempts: 1, lastError: null, imageCount: 3, imageIds: [41, 42, 43], createdAt: '2026-12-04T04:00:00.000Z', takenAfterAll: false },
          ],
        });
      },
    });
    const fetchMock = jest.fn(async (url: string) => (url.endsWith('/43') ? { ok: false, status: 404 } : { ok: true, status: 200, blob: async () => new Blob([url]) }));
    const made: string[] = [];
    const revoked: string[] = [];
    const saved = { fetch: globalThis.fetch, create: URL.createObjectURL, revoke: URL.revokeObjectURL };
    Object.assign(globalThis, { fetch: fetchMock });
    URL.createObjectURL = () => {
      made.push(`blob:reply-image-${made.length + 1}`);
      return made[made.length - 1];
    };
    URL.revokeObjectURL = (u: string) => void revoked.push(u);
    const preview = jest.spyOn(Taro, 'previewImage').mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
    try {
      const { unmount } = render(<StaffTicketPage />);
      await waitFor(() => expect(document.querySelectorAll('#staff-wxcomplaint-deliveries .ticket-photos__img')).toHaveLength(2));
      expect(document.querySelector('#staff-wxcomplaint-deliveries')?.textContent).toContain('商户回复（附图 3 张）：微信支付已收到');
      expect(fetchMock).toHaveBeenCalledWith('http://api.test/api/v1/staff/tickets/9/wechatpay-complaint/images/41', { headers: { Authorization: 'Bearer staff-tok' } });
      expect(fetchMock).toHaveBeenCalledTimes(3);
      expect(document.querySelector('#staff-wxcomplaint-delivery-2-image-3')?.textContent).toBe('加载失败');
      const srcOf = (n: number) => document.querySelector(`#staff-wxcomplaint-delivery-2-image-${n} .ticket-photos__img`)!.getAttribute('src')!;
      expect([srcOf(1), srcOf(2)].sort()).toEqual([...made].sort());
      fireEvent.click(document.querySelector('#staff-wxcomplaint-delivery-2-image-2 .ticket-photos__img')!);
      expect(preview).toHaveBeenCalledWith({ urls: [srcOf(1), srcOf(2)], current: srcOf(2) });
      unmount();
      expect(revoked.sort()).toEqual([...made].sort());
    } finally {
      Object.assign(globalThis, { fetch: saved.fetch });
      URL.createObjectURL = saved.create;
      URL.revokeObjectURL = saved.revoke;
    }
  });

  it('says which reply the payer never got and why, which message waits for an earlier one, a resolution WeChat Pay never had, and one it took after all', async () => {
    const d = { lastError: null, imageCount: 0, imageIds: [], createdAt: '2026-12-04T03:00:00.000Z', takenAfterAll: false };
    answerRequests({
      '/staff/tickets/9': () => staffTicket(9, 'ok', 50 * HOUR, { type: 'complaint', status: 'accepted', ownerStaffId: 2 }),
      '/staff/tickets/9/wechatpay-complaint': () => {
        return complaint({
          deliveries: [
            { ...d, kind: 'response', status: 'dead', waitingForEarlier: false, attempts: 20, lastError: 'SYSTEM_ERROR: 系统繁忙' },
            { ...d, kind: 'response', status: 'pending', waitingForEarlier: false, attempts: 2, lastError: 'SYSTEM_ERROR: 系统繁忙' },
            { ...d, kind: 'complete', status: 'pending', waitingForEarlier: true, attempts: 0 },
            { ...d, kind: 'response', status: 'skipped', waitingForEarlier: false, attempts: 1, lastError: '微信支付拒收：投诉单已处理完成，不能再回复（INVALID_REQUEST）' },
            { ...d, kind: 'complete', status: 'skipped', waitingForEarlier: false, attempts: 1, lastError: '该投诉在微信支付已是「已处理完成」，付款人没有继续投诉' },
            { ...d, kind: 'complete', status: 'dead', waitingForEarlier: false, attempts: 20, lastError: 'SYSTEM_ERROR: 系统繁忙' },
            { ...d, kind: 'complete', status: 'dead', waitingForEarlier: false, attempts: 20, lastError: 'SYSTEM_ERROR: 系统繁忙', takenAfterAll: true },
          ],
        });
      },
    });
    render(<StaffTicketPage />);
    await waitFor(() => expect(document.querySelectorAll('#staff-wxcomplaint-deliveries > *')).toHaveLength(7));
    const rows = [...document.querySelectorAll('#staff-wxcomplaint-deliveries > *')].map((e) => e.textContent);
    expect(rows[0]).toBe('商户回复：未送达：多次失败，已停止重试，付款人没有收到这条回复（SYSTEM_ERROR: 系统繁忙）');
    expect(rows[1]).toBe('商户回复：发送中（已重试 2 次：SYSTEM_ERROR: 系统繁忙）');
    expect(rows[2]).toBe('反馈处理完成：等待前一条送达或停止重试后发出');
    expect(rows[3]).toBe('商户回复：未送达，付款人没有收到这条回复（微信支付拒收：投诉单已处理完成，不能再回复（INVALID_REQUEST））');
    // Not "微信支付拒收": the server did not send it, and says why.
    expect(rows[4]).toBe('反馈处理完成：未送达，微信支付没有收到办结说明和「反馈处理完成」（该投诉在微信支付已是「已处理完成」，付款人没有继续投诉）');
    // A resolution given up: the agent reads that WeChat Pay never had it.
    expect(rows[5]).toBe('反馈处理完成：未送达：多次失败，已停止重试，微信支付没有收到办结说明和「反馈处理完成」（SYSTEM_ERROR: 系统繁忙）');
    // One given up that WeChat Pay's history shows taken after all: not 未送达, and no error to chase.
    expect(rows[6]).toBe('反馈处理完成：微信支付已收到：当时未能确认送达，多次重试后已停止，但微信支付的协商历史显示此后已反馈处理完成（也可能是有人在微信支付商户平台上操作的）');
  });

  it('a reply WeChat Pay would no longer take: refused under the reply box with what to do, the text kept, and no reply box offered after', async () => {
    const mine = { status: 'accepted' as const, type: 'complaint' as const, channel: 'wechatpay_complaint' as const, ownerStaffId: 1, owner: { name: '王芳', jobNo: 'KF1001' } };
    const closed = '该投诉在微信支付已是「已处理完成」，微信支付不再接受商户回复。如需补充说明，请按工单上的联系电话联系付款人；付款人若在微信中继续投诉，可在此再回复。';
    // The completion reached WeChat Pay after the page was loaded: the ticket itself did not change.
    let refused = false;
    answerRequests({
      '/staff/tickets/9': () => staffTicket(9, 'ok', 50 * HOUR, mine),
      '/staff/tickets/9/reply': () => {
        refused = true;
        throw new ApiError('WECHATPAY_COMPLAINT_COMPLETED', closed.replace('。如需', '，这条回复没有发出。如需'), 409);
      },
      '/staff/tickets/9/wechatpay-complaint': () => (refused ? complaint({ state: 'PROCESSED', stateLabel: '已处理完成', replyClosed: { reason: 'processed', message: closed } }) : complaint()),
    });
    render(<StaffTicketPage />);
    await waitFor(() => expect(document.querySelector('#staff-wxcomplaint-state')?.textContent).toBe('待处理'));
    fireEvent.click(await screen.findByText('回复用户'));
    const field = await waitFor(() => {
      const el = document.querySelector('#staff-panel-text textarea');
      if (!el) throw new Error('no reply field yet');
      return el as HTMLTextAreaElement;
    });
    fireEvent.input(field, { target: { value: '补充：退款已到账' } });
    await act(async () => {
      fireEvent.click(document.querySelector('#staff-panel-submit')!);
    });

    // The block is read again, and the reply box says why it cannot go and what to do instead.
    await waitFor(() => expect(document.querySelector('#staff-panel #staff-reply-closed')?.textContent).toBe(`这条回复不能再发出：${closed}`));
    expect(document.querySelector('#staff-wxcomplaint-state')?.textContent).toBe('已处理完成');
    expect((document.querySelector('#staff-panel-text textarea') as HTMLTextAreaElement).value).toBe('补充：退款已到账');
    expect(['false', null]).not.toContain(document.querySelector('#staff-panel-submit')!.getAttribute('disabled'));
    expect(document.querySelector('#staff-reply-images')).toBeNull();
    expect(document.querySelector('#staff-action-error')).toBeNull();
    expect(requestMock.mock.calls.filter(([path]) => path === '/staff/tickets/9/reply')).toHaveLength(1);

    // Closed, the panel leaves no reply box to open; the other actions stay.
    fireEvent.click(screen.getByText('取消'));
    await waitFor(() => expect(document.querySelector('#staff-panel')).toBeNull());
    expect(screen.queryByText('回复用户')).toBeNull();
    expect(screen.getByText('办结')).toBeTruthy();
    expect(document.querySelector('#staff-reply-closed')?.textContent).toBe(`不能再回复用户：${closed}`);
  });

  it('a resolved complaint ticket whose 反馈处理完成 went offers no reply, and says why; once the payer continues the complaint it does again', async () => {
    const resolved = { status: 'resolved' as const, type: 'complaint' as const, channel: 'wechatpay_complaint' as const, ownerStaffId: 1, owner: { name: '王芳', jobNo: 'KF1001' } };
    const closed = '该工单已办结，办结说明和「反馈处理完成」已随办结发往微信支付，微信支付不再接受商户回复。如需补充说明，请按工单上的联系电话联系付款人；付款人若在微信中继续投诉，可在此再回复。';
    let continued = false;
    answerRequests({
      '/staff/tickets/9': () => staffTicket(9, 'ok', 50 * HOUR, continued ? { ...resolved, timeline: [{ id: 1, kind: 'note', actorKind: 'system', actorName: null, actorJobNo: null, message: '微信支付投诉 · 用户继续投诉：问题还是没有解决', occurredAt: '2026-12-05T03:00:00.000Z', visibleToSubscriber: false }] } : resolved),
      '/staff/tickets/9/wechatpay-complaint': () => (continued ? complaint({ state: 'PROCESSING', stateLabel: '处理中' }) : complaint({ state: 'PROCESSED', stateLabel: '已处理完成', replyClosed: { reason: 'resolved', message: closed } })),
    });
    const { unmount } = render(<StaffTicketPage />);
    await waitFor(() => expect(document.querySelector('#staff-reply-closed')?.textContent).toBe(`不能再回复用户：${closed}`));
    expect(screen.queryByText('回复用户')).toBeNull();
    unmount();

    continued = true;
    render(<StaffTicketPage />);
    expect(await screen.findByText('回复用户')).toBeTruthy();
    expect(document.querySelector('#staff-reply-closed')).toBeNull();
  });

  it('shows no block for a complaint that did not come from WeChat Pay', async () => {
    answerRequests({
      '/staff/tickets/9': () => staffTicket(9, 'ok', 50 * HOUR, { type: 'complaint' }),
      '/staff/tickets/9/wechatpay-complaint': () => null,
    });
    render(<StaffTicketPage />);
    await screen.findByText('受理（首问负责）');
    await waitFor(() => expect(requestMock).toHaveBeenCalledWith('/staff/tickets/9/wechatpay-complaint', expect.anything()));
    expect(document.querySelector('#staff-wxcomplaint')).toBeNull();
    expect(screen.queryByText('微信支付投诉')).toBeNull();
  });
});
