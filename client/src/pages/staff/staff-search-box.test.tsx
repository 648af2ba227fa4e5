import { act, fireEvent, render, screen } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../api/request';
import StaffSearchBox from './staff-search-box';

jest.mock('../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const found = {
  kind: 'phone',
  tickets: [{ id: 42, type: 'fault', status: 'accepted', channel: 'hotline', workOrderNo: 'WO-7', accountNo: '1000000001', areaName: '上城区', contactPhoneMasked: '138****0001', createdAt: '2026-12-01T02:00:00.000Z' }],
  accounts: [{ id: 7, accountNo: '1000000001', serviceType: 'water', holderNameMasked: '张*', holderPhoneMasked: '138****0001', areaName: '上城区' }],
  users: [{ id: 3, phoneMasked: '138****0001', accountNos: ['1000000001', '2000000001'] }],
};

async function searchFor(text: string) {
  const box = document.querySelector('#staff-search') as HTMLInputElement;
  fireEvent.change(box, { target: { value: text } });
  await act(async () => {
    fireEvent.keyDown(box, { key: 'Enter' });
  });
}

describe('console search box', () => {
  beforeEach(() => {
    requestMock.mockReset();
    jest.spyOn(Taro, 'navigateTo').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('searches on Enter and lists tickets, accounts and users as the server masked them; a ticket opens', async () => {
    requestMock.mockResolvedValue(found as never);
    render(<StaffSearchBox />);
    await searchFor('13800000001');
    expect(requestMock).toHaveBeenCalledWith('/staff/search', expect.objectContaining({ data: { q: '13800000001' }, tokens: expect.anything() }));
    expect(document.querySelector('#staff-search-ticket-42')?.textContent).toContain('工单 #42 · 故障报修');
    expect(document.querySelector('#staff-search-account-1000000001')?.textContent).toContain('户主 张* · 138****0001');
    expect(document.querySelector('#staff-search-user-3')?.textContent).toContain('已绑定户号 1000000001、2000000001');
    fireEvent.click(document.querySelector('#staff-search-ticket-42')!);
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/staff/ticket/index?id=42' });
    expect(document.querySelector('#staff-search-results')).toBeNull();
    // An account opens its page, by number.
    await searchFor('13800000001');
    fireEvent.click(document.querySelector('#staff-search-account-1000000001')!);
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/pages/staff/account/index?no=1000000001' });
    // A portal user's bound accounts open theirs.
    await searchFor('13800000001');
    fireEvent.click(document.querySelector('#staff-search-user-3-account-2000000001')!);
    expect(Taro.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/staff/account/index?no=2000000001' });
    // The portal user opens the subscriber page.
    await searchFor('13800000001');
    fireEvent.click(document.querySelector('#staff-search-user-3-open')!);
    expect(Taro.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/staff/subscriber/index?id=3' });
    expect(document.querySelector('#staff-search-results')).toBeNull();
  });

  it('says what it takes instead of asking the server about text that is none of those', async () => {
    render(<StaffSearchBox />);
    await searchFor('张');
    expect(requestMock).not.toHaveBeenCalled();
    expect(screen.getByText('请输入工单号、工单系统单号、手机号、户号或户主姓名')).toBeTruthy();
  });

  it('says so when nothing matches, and "/" anywhere puts the cursor in the box', async () => {
    requestMock.mockResolvedValue({ kind: 'holder_name', tickets: [], accounts: [], users: [] } as never);
    render(<StaffSearchBox />);
    fireEvent.keyDown(document.body, { key: '/' });
    expect(document.activeElement?.id).toBe('staff-search');
    await searchFor('王小二');
    expect(screen.getByText('没有找到')).toBeTruthy();
  });
});
