import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { HOUR, staffTicket } from '../staff-fixtures';
import StaffTicketPage from './index';
import { fakePrivateImageFetch } from '../../../../test/private-image-fetch';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

function signInAs(role: 'agent' | 'supervisor', id = 1) {
  Taro.setStorageSync('openhall.staffToken', 'staff-tok');
  Taro.setStorageSync('openhall.staffTokenExpiresAt', '2099-01-01T00:00:00Z');
  Taro.setStorageSync('openhall.staffProfile', { id, username: role === 'agent' ? 'agent1' : 'supervisor1', name: role === 'agent' ? '王芳' : '陈静', jobNo: role === 'agent' ? 'KF1001' : 'KF2001', role });
}

/** What the console loads beside the ticket: the operator's canned texts and the colleagues. */
const directory: Record<string, unknown> = {
  '/staff/canned-replies': {
    reply: ['您好，工单已收到。', '维修人员将在承诺时限内与您联系并上门，请留意来电。'],
    'request-information': ['请补充故障发生的时间。'],
    resolve: ['已处理完毕。'],
  },
  '/staff/users': [
    { id: 1, name: '王芳', jobNo: 'KF1001', role: 'agent' },
    { id: 2, name: '刘洋', jobNo: 'KF1002', role: 'agent' },
    { id: 3, name: '陈静', jobNo: 'KF2001', role: 'supervisor' },
  ],
};

async function typeIn(id: string, value: string) {
  const el = await waitFor(() => {
    const found = document.querySelector(`#${id} textarea, #${id} input`);
    if (!found) throw new Error(`no field in #${id}`);
    return found as HTMLTextAreaElement;
  });
  fireEvent.input(el, { target: { value } });
}

describe('staff ticket', () => {
  beforeEach(() => {
    requestMock.mockReset();
    Current.router = { params: { id: '5' }, path: '/pages/staff/ticket/index', onReady: '', onHide: '', onShow: '' } as never;
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('shows the claim conflict from the message table and the ticket as it now stands', async () => {
    signInAs('agent');
    const { ApiError } = jest.requireActual('../../../api/errors');
    let claimed = false;
    requestMock.mockImplementation(async (path: string) => {
      if (path in directory) return directory[path];
      if (path === '/staff/tickets/5/photos') return [];
      if (path === '/staff/tickets/5/claim') {
        claimed = true;
        throw new ApiError('TICKET_ALREADY_CLAIMED', '该工单已由刘洋（工号 KF1002）受理', 409);
      }
      if (path === '/staff/tickets/5') {
        return claimed
          ? staffTicket(5, 'ok', 20 * HOUR, { status: 'accepted', ownerStaffId: 2, owner: { name: '刘洋', jobNo: 'KF1002' } })
          : staffTicket(5, 'ok', 20 * HOUR);
      }
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffTicketPage />);
    const btn = await screen.findByText('受理（首问负责）');
    // The area by name and the account by number, the holder masked: never the area code or the account id.
    expect(document.querySelector('#staff-ticket-account')?.textContent).toBe('滨江区 / 1000000001（户主 张*）');
    await act(async () => {
      fireEvent.click(btn);
    });

    expect(await screen.findByText('该工单已由其他工作人员受理')).toBeTruthy();
    await waitFor(() => expect(document.querySelector('#staff-ticket-owner')?.textContent).toContain('刘洋（工号 KF1002）'));
    expect(screen.queryByText('受理（首问负责）')).toBeNull();
    expect(screen.getByText('该工单由 刘洋（工号 KF1002） 负责，您只能查看。')).toBeTruthy();
    expect(screen.queryByText('回复用户')).toBeNull();
  });

  it('says where a ticket came from, and when nobody in the portal follows it', async () => {
    signInAs('agent');
    requestMock.mockImplementation(async (path: string) => {
      if (path in directory) return directory[path];
      if (path === '/staff/tickets/5/photos') return [];
      if (path === '/staff/tickets/5') return staffTicket(5, 'ok', 20 * HOUR, { channel: 'hotline', userId: null, status: 'accepted', ownerStaffId: 1, owner: { name: '王芳', jobNo: 'KF1001' } });
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffTicketPage />);
    await waitFor(() => expect(document.querySelector('#staff-ticket-channel')?.textContent).toBe('来电（未绑定网厅用户，通知以短信发送到联系电话）'));
  });

  it('claims, then replies with a canned reply the agent can edit', async () => {
    signInAs('agent');
    const mine = staffTicket(5, 'ok', 20 * HOUR, { status: 'accepted', ownerStaffId: 1, owner: { name: '王芳', jobNo: 'KF1001' } });
    requestMock.mockImplementation(async (path: string) => {
      if (path in directory) return directory[path];
      if (path === '/staff/tickets/5/photos') return [];
      if (path === '/staff/tickets/5') return staffTicket(5, 'ok', 20 * HOUR);
      if (path === '/staff/tickets/5/claim') return mine;
      if (path === '/staff/tickets/5/reply') return mine;
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffTicketPage />);
    const btn = await screen.findByText('受理（首问负责）');
    await act(async () => {
      fireEvent.click(btn);
    });
    fireEvent.click(await screen.findByText('回复用户'));
    expect(screen.getByText('办结')).toBeTruthy();
    fireEvent.click(document.querySelector('#staff-canned-1')!);
    await waitFor(() => expect((document.querySelector('#staff-panel-text textarea') as HTMLTextAreaElement).value).toBe('维修人员将在承诺时限内与您联系并上门，请留意来电。'));
    await typeIn('staff-panel-text', '维修人员今天下午上门，请留意来电。');
    await act(async () => {
      fireEvent.click(screen.getByText('提交', { selector: '#staff-panel-submit, #staff-panel-submit *' }));
    });
    expect(requestMock).toHaveBeenCalledWith(
      '/staff/tickets/5/reply',
      expect.objectContaining({ method: 'POST', data: { message: '维修人员今天下午上门，请留意来电。', idempotencyKey: expect.stringMatching(/^[0-9a-f]{32}$/) } }),
    );
    await waitFor(() => expect(document.querySelector('#staff-panel')).toBeNull());
  });

  it('transfers to a colleague picked by name and job number, never to oneself', async () => {
    signInAs('agent');
    const mine = staffTicket(5, 'ok', 20 * HOUR, { status: 'accepted', ownerStaffId: 1, owner: { name: '王芳', jobNo: 'KF1001' } });
    requestMock.mockImplementation(async (path: string) => {
      if (path in directory) return directory[path];
      if (path === '/staff/tickets/5/photos') return [];
      if (path === '/staff/tickets/5') return mine;
      if (path === '/staff/tickets/5/transfer') return mine;
      throw new Error(`unexpected ${path}`);
    });
    render(<StaffTicketPage />);
    fireEvent.click(await screen.findByText('转交同事'));
    expect(await screen.findByText('刘洋（工号 KF1002）')).toBeTruthy();
    expect(document.querySelector('#staff-transfer-to-1')).toBeNull();
    fireEvent.click(document.querySelector('#staff-transfer-to-2')!);
    await typeIn('staff-panel-text', '夜班交接，请刘洋跟进');
    await act(async () => {
      fireEvent.click(screen.getByText('提交', { selector: '#staff-panel-submit, #staff-panel-submit *' }));
    });
    expect(requestMock).toHaveBeenCalledWith('/staff/tickets/5/transfer', expect.objectContaining({ method: 'POST', data: { toStaffId: 2, note: '夜班交接，请刘洋跟进' } }));
  });

  it('lets a supervisor approve a pending extension, and not an agent', async () => {
    const withRequest = staffTicket(5, 'due_soon', 2 * HOUR, {
      status: 'dispatched',
      ownerStaffId: 1,
      owner: { name: '王芳', jobNo: 'KF1001' },
      extensionRequests: [{ id: 8, amount: 24, unit: 'hours', reason: '需要更换主管道', status: 'requested' }],
    });
    requestMock.mockImplementation(async (path: string) => {
      if (path in directory) return directory[path];
      if (path === '/staff/tickets/5/photos') return [];
      if (path === '/staff/tickets/5') return withRequest;
      if (path === '/staff/tickets/5/extensions/8/decision') return { ...withRequest, extensionRequests: [{ ...withRequest.extensionRequests[0], status: 'approved' as const }] };
      throw new Error(`unexpected ${path}`);
    });
    signInAs('agent');
    const { unmount } = render(<StaffTicketPage />);
    expect(await screen.findByText('24 小时：需要更换主管道')).toBeTruthy();
    expect(screen.queryByText('批准')).toBeNull();
    unmount();

    signInAs('supervisor', 3);
    render(<StaffTicketPage />);
    const btn = await screen.findByText('批准');
    await act(async () => {
      fireEvent.click(btn);
    });
    expect(requestMock).toHaveBeenCalledWith('/staff/tickets/5/extensions/8/decision', expect.objectContaining({ data: { approve: true } }));
    expect(await screen.findByText('已批准')).toBeTruthy();
  });

  it('lets a supervisor classify an open fault with a reason, and offers it to no agent', async () => {
    const fault = staffTicket(5, 'ok', 20 * HOUR, { status: 'accepted', ownerStaffId: 1, owner: { name: '王芳', jobNo: 'KF1001' } });
    requestMock.mockImplementation(async (path: string) => {
      if (path in directory) return directory[path];
      if (path === '/staff/tickets/5/photos') return [];
      if (path === '/staff/tickets/5') return fault;
      if (path === '/staff/tickets/5/severity') return { ...fault, severity: 'major' as const };
      throw new Error(`unexpected ${path}`);
    });
    signInAs('agent');
    const { unmount } = render(<StaffTicketPage />);
    await screen.findByText('工单 5 的描述');
    expect(document.querySelector('#staff-severity-change')).toBeNull();
    unmount();

    signInAs('supervisor', 3);
    render(<StaffTicketPage />);
    const change = await screen.findByText('定为重大故障');
    // No reason, no classification. (Taro's button renders `disabled=""` when disabled, `"false"` when not.)
    const changeDisabled = () => !['false', null].includes(document.querySelector('#staff-severity-change')!.getAttribute('disabled'));
    expect(changeDisabled()).toBe(true);
    // Taro's H5 <Input> renders its inner <input> asynchronously: typing into the outer element before
    // then sends an event without a value.
    const reason = await waitFor(() => {
      const el = document.querySelector('#staff-severity-reason input') ?? document.querySelector('input#staff-severity-reason');
      if (!el) throw new Error('no input in #staff-severity-reason');
      return el;
    });
    await act(async () => {
      fireEvent.input(reason, { target: { value: '整栋楼光缆中断' } });
    });
    // The reason enables the button once the page has rendered it; a click before then is ignored.
    await waitFor(() => expect(changeDisabled()).toBe(false));
    await act(async () => {
      fireEvent.click(change);
    });
    await waitFor(() =>
      expect(requestMock).toHaveBeenCalledWith('/staff/tickets/5/severity', expect.objectContaining({ method: 'POST', data: { severity: 'major', reason: '整栋楼光缆中断' } })),
    );
    expect(await screen.findByText('改为一般故障')).toBeTruthy();
  });

  it('a subscriber’s photo the browser cannot draw (HEIC) says so, stays out of the full-screen view, and a tap downloads it named for the ticket', async () => {
    signInAs('agent');
    const photo = (id: number, contentType: 'image/jpeg' | 'image/heic') => ({ id, contentType, sizeBytes: 1000, createdAt: '2026-11-25T02:00:00.000Z' });
    requestMock.mockImplementation(async (path: string) => {
      if (path in directory) return directory[path];
      if (path === '/staff/tickets/5/photos') return [photo(31, 'image/jpeg'), photo(32, 'image/heic')];
      if (path === '/staff/tickets/5') return staffTicket(5, 'ok', 20 * HOUR);
      throw new Error(`unexpected ${path}`);
    });
    const browser = fakePrivateImageFetch();
    const preview = jest.spyOn(Taro, 'previewImage').mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
    try {
      const { unmount } = render(<StaffTicketPage />);
      await waitFor(() => expect(document.querySelectorAll('.ticket-photos__img')).toHaveLength(2));
      const tiles = () => Array.from(document.querySelectorAll('.ticket-photos__item'));
      act(() => {
        fireEvent.error(tiles()[1].querySelector('.ticket-photos__img')!);
      });
      expect(tiles()[1].textContent).toBe('此照片无法在浏览器中预览下载原图');
      fireEvent.click(tiles()[0].querySelector('.ticket-photos__img')!);
      expect(preview).toHaveBeenCalledWith({ urls: ['blob:31'], current: 'blob:31' });
      fireEvent.click(screen.getByText('下载原图'));
      await waitFor(() => expect(browser.downloads).toEqual([{ href: 'blob:32', download: '工单5-照片2.heic' }]));
      unmount();
    } finally {
      browser.restore();
    }
  });
});
