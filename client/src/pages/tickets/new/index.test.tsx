import type { AccountView, TicketView } from '@openhall/shared';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { answerFileChooser, fileBytes, fileOf } from '../../../../test/file-chooser';
import NewTicketPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const account: AccountView = {
  id: 7,
  accountNo: '1000000001',
  serviceType: 'water',
  holderNameMasked: '张*',
  phoneMasked: '138****0001',
  address: '滨江路 1 号 3 单元 502',
  area: 'binjiang',
  isDefault: true,
  prepaid: false,
  balanceFen: 0,
  amountDueFen: 0,
  unpaidBills: 0,
  subscriptionExpiresOn: null,
};

/** Types into a Taro <Input>/<Textarea> (the inner element appears asynchronously on H5). */
async function typeInto(id: string, value: string) {
  const el = await waitFor(() => {
    const found = document.querySelector(`#${id} input, #${id} textarea`) ?? document.querySelector(`input#${id}, textarea#${id}`);
    if (!found) throw new Error(`no input in #${id}`);
    return found as HTMLInputElement;
  });
  el.value = value;
  fireEvent.input(el, { target: { value } });
}

async function submit() {
  await act(async () => {
    fireEvent.click(screen.getByText('提交', { selector: '#ticket-submit, #ticket-submit *' }));
  });
}

describe('report a fault / complaint', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
    jest.spyOn(Taro, 'redirectTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('refuses a too-short description and a malformed phone, and sends nothing', async () => {
    requestMock.mockImplementation(async (path: string) => (path === '/accounts' ? [account] : null));
    render(<NewTicketPage />);
    await screen.findByText('1000000001 张*');
    await typeInto('ticket-description', '没水');
    await typeInto('ticket-phone', '12345');
    await submit();

    expect(await screen.findByText('请填写问题描述（至少5个字）')).toBeTruthy();
    expect(screen.getByText('请输入11位手机号')).toBeTruthy();
    expect(requestMock.mock.calls.map((c) => c[0])).not.toContain('/tickets');
  });

  it('asks for an account when none is bound instead of sending', async () => {
    requestMock.mockImplementation(async () => []);
    render(<NewTicketPage />);
    expect(await screen.findByText('请先绑定户号，再为该户号报修或投诉')).toBeTruthy();
    await typeInto('ticket-description', '家里从早上开始没有水');
    await typeInto('ticket-phone', '13800000001');
    await submit();
    expect(await screen.findByText('请选择户号')).toBeTruthy();
    expect(requestMock.mock.calls.map((c) => c[0])).not.toContain('/tickets');
  });

  it('files a fault (no severity to guess: staff classify) with a photo and a visit slot on the default account, and opens the new ticket', async () => {
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/accounts') return [account];
      if (path === '/appointment-slots') {
        const slot = (half: 'am' | 'pm', date: string, label: string, available: number, afterDeadline: boolean) => ({
          date,
          half,
          label,
          weekday: '周五',
          startsAt: '',
          endsAt: '',
          capacity: 4,
          booked: 4 - available,
          available,
          afterDeadline,
        });
        return {
          area: 'binjiang',
          commitment: { title: '普通故障修复', deadline: '2026-11-27T10:00:00.000Z' },
          slots: [slot('am', '2026-11-27', '上午 09:00-12:00', 0, false), slot('pm', '2026-11-27', '下午 13:30-17:30', 3, true)],
        };
      }
      if (path === '/outages') {
        return [{ id: 3, area: 'binjiang', areaName: '滨江区', serviceType: 'water', scope: '江南小区', cause: '主管道爆裂抢修', status: 'active', estimatedRestorationAt: '2026-11-26T10:00:00.000Z', declaredAt: '', closedAt: null, linkedTickets: 5 }];
      }
      if (path === '/tickets') return { id: 42 } as TicketView;
      throw new Error(`unexpected ${path}`);
    });
    answerFileChooser([fileOf('photo-1.jpg', fileBytes.jpeg)]);
    const upload = jest
      .spyOn(Taro, 'uploadFile')
      .mockResolvedValue({ statusCode: 201, data: JSON.stringify({ data: { id: 31, contentType: 'image/jpeg', sizeBytes: 1000, createdAt: '' } }), errMsg: 'ok' } as never);
    render(<NewTicketPage />);
    await screen.findByText('1000000001 张*');
    // The outage covering the account is shown before anything is filed.
    await waitFor(() => expect(document.querySelector('#ticket-outage-3')?.textContent).toContain('滨江区（江南小区）正在处理区域故障：主管道爆裂抢修，预计 11月26日 18:00 前恢复'));
    expect(requestMock).toHaveBeenCalledWith('/outages', { data: { accountId: 7 } });
    // No ordinary/major choice: the fault is filed on the 24-hour commitment.
    expect(screen.queryByText('重大故障（72小时内修复）')).toBeNull();
    expect(document.querySelector('#ticket-fault-commitment')!.textContent).toContain('24小时内修复');
    // A full half-day is not offered.
    // Each slot says its weekday, and whether it falls after the commitment's deadline.
    expect(document.querySelector('#ticket-slot-commitment')?.textContent).toContain('普通故障修复最迟 11月27日 18:00 前处理完成');
    expect(document.querySelector('#ticket-slot-late')).toBeNull();
    fireEvent.click(await screen.findByText('11-27 周五 下午 13:30-17:30（余3） 晚于承诺时限'));
    expect(screen.queryByText(/上午 09:00-12:00/)).toBeNull();
    expect(document.querySelector('#ticket-slot-late')?.textContent).toContain('等待上门的时间不计入处理时限');
    expect(requestMock).toHaveBeenCalledWith('/appointment-slots', { data: { accountId: 7, type: 'fault' } });
    await act(async () => {
      fireEvent.click(document.querySelector('#ticket-add-photo')!);
    });
    await waitFor(() => expect(document.querySelectorAll('.ticket-photos__item')).toHaveLength(1));
    expect(upload).toHaveBeenCalledWith(expect.objectContaining({ url: 'http://api.test/api/v1/uploads', filePath: 'blob:photo-1.jpg', name: 'file', header: { Authorization: 'Bearer tok' } }));
    await typeInto('ticket-description', '整栋楼从早上开始没有水');
    await typeInto('ticket-phone', '13800000001');
    await submit();

    await waitFor(() => expect(Taro.redirectTo).toHaveBeenCalledWith({ url: '/pages/tickets/detail/index?id=42' }));
    expect(requestMock).toHaveBeenCalledWith('/tickets', {
      method: 'POST',
      data: {
        type: 'fault',
        accountId: 7,
        description: '整栋楼从早上开始没有水',
        contactPhone: '13800000001',
        photoIds: [31],
        appointment: { date: '2026-11-27', half: 'pm' },
      },
    });
  });

  it('sends a complaint without a fault severity and shows a rate limit in the server’s words (which limit, the hotline)', async () => {
    const { ApiError } = jest.requireActual('../../../api/errors');
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/accounts') return [account];
      throw new ApiError('RATE_LIMITED', '同一户号每天最多提交3条投诉建议，请稍后再试；紧急情况请拨打 96390', 429);
    });
    render(<NewTicketPage />);
    await screen.findByText('1000000001 张*');
    fireEvent.click(screen.getByText('投诉'));
    expect(screen.queryByText('一般故障（24小时内修复）')).toBeNull();
    await typeInto('ticket-description', '营业厅工作人员态度很差');
    await typeInto('ticket-phone', '13800000001');
    await submit();

    // The server's words: which limit, and the hotline for an emergency.
    expect(await screen.findByText('同一户号每天最多提交3条投诉建议，请稍后再试；紧急情况请拨打 96390')).toBeTruthy();
    const sent = requestMock.mock.calls.find((c) => c[0] === '/tickets')?.[1] as { data: Record<string, unknown> };
    expect(sent.data).toEqual({ type: 'complaint', accountId: 7, description: '营业厅工作人员态度很差', contactPhone: '13800000001' });
    expect(Taro.redirectTo).not.toHaveBeenCalled();
  });
  it('says under the photos why the server refused one (its own words: which types, how large), and keeps the ones it took', async () => {
    requestMock.mockImplementation(async (path: string) => (path === '/accounts' ? [account] : null));
    answerFileChooser([fileOf('photo-1.jpg', fileBytes.jpeg), fileOf('anim.gif', fileBytes.gif)], [fileOf('huge.jpg', fileBytes.jpeg)]);
    const answer = (status: number, body: unknown) => ({ statusCode: status, data: JSON.stringify(body), errMsg: 'ok' }) as never;
    jest
      .spyOn(Taro, 'uploadFile')
      .mockResolvedValueOnce(answer(201, { data: { id: 31, contentType: 'image/jpeg', sizeBytes: 1000, createdAt: '' } }))
      .mockResolvedValueOnce(answer(415, { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: '只能上传 JPG、PNG、WebP 或 HEIC 格式的照片' } }))
      .mockResolvedValueOnce(answer(413, { error: { code: 'PAYLOAD_TOO_LARGE', message: '照片不能超过 10 MB，请压缩后重新上传' } }));
    render(<NewTicketPage />);
    await screen.findByText('1000000001 张*');
    await act(async () => {
      fireEvent.click(document.querySelector('#ticket-add-photo')!);
    });
    await waitFor(() => expect(document.querySelector('#ticket-photo-error')?.textContent).toBe('不支持的内容格式：只能上传 JPG、PNG、WebP 或 HEIC 格式的照片'));
    expect(document.querySelectorAll('.ticket-photos__item')).toHaveLength(1);

    await act(async () => {
      fireEvent.click(document.querySelector('#ticket-add-photo')!);
    });
    await waitFor(() => expect(document.querySelector('#ticket-photo-error')?.textContent).toBe('提交的内容过大：照片不能超过 10 MB，请压缩后重新上传'));
    expect(document.querySelectorAll('.ticket-photos__item')).toHaveLength(1);
  });

  it('says under the photos which chosen files are no photo and what to choose instead, uploads only the photos, and says nothing when the chooser is closed', async () => {
    requestMock.mockImplementation(async (path: string) => (path === '/accounts' ? [account] : null));
    answerFileChooser([fileOf('notes.png', fileBytes.text), fileOf('photo-1.jpg', fileBytes.jpeg), fileOf('bill.pdf', fileBytes.pdf)], [fileOf('bill.pdf', fileBytes.pdf)], 'close');
    const upload = jest
      .spyOn(Taro, 'uploadFile')
      .mockResolvedValue({ statusCode: 201, data: JSON.stringify({ data: { id: 31, contentType: 'image/jpeg', sizeBytes: 1000, createdAt: '' } }), errMsg: 'ok' } as never);
    render(<NewTicketPage />);
    await screen.findByText('1000000001 张*');
    const addPhotos = () =>
      act(async () => {
        fireEvent.click(document.querySelector('#ticket-add-photo')!);
      });

    await addPhotos();
    await waitFor(() => expect(document.querySelectorAll('.ticket-photos__item')).toHaveLength(1));
    expect(document.querySelector('#ticket-photo-error')?.textContent).toBe('「notes.png」、「bill.pdf」不是照片，没有添加：只能选择照片（JPG、PNG 格式），请重新选择');
    expect(upload).toHaveBeenCalledTimes(1);
    expect(upload).toHaveBeenCalledWith(expect.objectContaining({ filePath: 'blob:photo-1.jpg' }));

    // Only a file that is no photo: nothing is sent, and the message says so.
    await addPhotos();
    await waitFor(() => expect(document.querySelector('#ticket-photo-error')?.textContent).toBe('「bill.pdf」不是照片，没有添加：只能选择照片（JPG、PNG 格式），请重新选择'));
    expect(upload).toHaveBeenCalledTimes(1);

    // Closed without choosing: the last message goes, and none takes its place.
    await addPhotos();
    await waitFor(() => expect(document.querySelector('#ticket-photo-error')).toBeNull());
    expect(document.querySelectorAll('.ticket-photos__item')).toHaveLength(1);
    expect(upload).toHaveBeenCalledTimes(1);
  });

  it('offers the phone signed in with (or last given) as the contact phone, and remembers the one used', async () => {
    const { loginWithSms } = jest.requireActual('../../../api/auth');
    requestMock.mockImplementation(async (path: string) => {
      if (path === '/auth/sms/login') return { token: 't2', expiresAt: '2099-01-01T00:00:00Z', user: { id: 1, phoneMasked: '139****0002', hasWechat: false } };
      if (path === '/accounts') return [account];
      if (path === '/tickets') return { id: 43 } as TicketView;
      if (path === '/appointment-slots') return { area: 'binjiang', commitment: { title: '普通故障修复', deadline: '2026-11-27T10:00:00.000Z' }, slots: [] };
      return [];
    });
    await loginWithSms({ phone: '13900000002', code: '123456' });
    const { unmount } = render(<NewTicketPage />);
    await screen.findByText('1000000001 张*');
    // The field may render a moment after the account list: wait for it, and for its value.
    await waitFor(() => expect((document.querySelector('#ticket-phone input, input#ticket-phone') as HTMLInputElement | null)?.value).toBe('13900000002'));

    await typeInto('ticket-phone', '13700000003');
    await typeInto('ticket-description', '家里从早上开始没有水');
    await submit();
    await waitFor(() => expect(Taro.redirectTo).toHaveBeenCalled());
    unmount();
    render(<NewTicketPage />);
    await screen.findByText('1000000001 张*');
    await waitFor(() => expect((document.querySelector('#ticket-phone input, input#ticket-phone') as HTMLInputElement).value).toBe('13700000003'));
  });

  it('clears each error as soon as its field is put right', async () => {
    requestMock.mockImplementation(async (path: string) => (path === '/accounts' ? [account] : null));
    render(<NewTicketPage />);
    await screen.findByText('1000000001 张*');
    await typeInto('ticket-description', '没水');
    await typeInto('ticket-phone', '12345');
    await submit();
    expect(await screen.findByText('请填写问题描述（至少5个字）')).toBeTruthy();
    expect(screen.getByText('请输入11位手机号')).toBeTruthy();

    await typeInto('ticket-phone', '13800000001');
    await waitFor(() => expect(screen.queryByText('请输入11位手机号')).toBeNull());
    expect(screen.getByText('请填写问题描述（至少5个字）')).toBeTruthy();
    await typeInto('ticket-description', '家里从早上开始没有水');
    await waitFor(() => expect(screen.queryByText('请填写问题描述（至少5个字）')).toBeNull());
  });
});
