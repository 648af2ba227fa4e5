import { NOTIFICATION_KIND_RULES, type NotificationKind, type NotificationPreferencesView } from '@openhall/shared';
import { act, fireEvent, render, screen } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../api/request';
import { saveToken } from '../../api/token';
import MePage from './index';

// The Me page as the mini-program builds it: the subscribe button asks WeChat (subscribe.weapp.ts).
jest.mock('../../platform/subscribe', () => jest.requireActual('../../platform/subscribe.weapp'));
jest.mock('../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const TEMPLATES = ['T-REPLY', 'T-RESOLVED', 'T-RATING', 'T-RENEWAL', 'T-ACCEPTED'];

function preferences(consent: Record<string, 'accepted' | 'rejected'> = {}): NotificationPreferencesView {
  const kinds = (Object.keys(NOTIFICATION_KIND_RULES) as NotificationKind[])
    .filter((kind) => kind !== 'technician_en_route')
    .map((kind, i) => {
      const rule = NOTIFICATION_KIND_RULES[kind];
      const wechatTemplateId = ['T-RENEWAL', 'T-ACCEPTED', 'T-REPLY', 'T-RESOLVED', 'T-RATING'][i];
      return { kind, ...rule, mandatory: rule.mandatoryReason !== null, enabled: true, wechatTemplateId, wechatConsent: consent[wechatTemplateId] ?? null };
    });
  return { kinds, wechatTemplateIds: TEMPLATES };
}

describe('notification settings in the mini-program', () => {
  beforeEach(() => {
    requestMock.mockReset();
    saveToken('tok', '2099-01-01T00:00:00Z');
    jest.spyOn(Taro, 'showToast').mockImplementation((() => Promise.resolve({ errMsg: 'ok' })) as never);
  });
  afterEach(() => jest.restoreAllMocks());

  it('asks WeChat for at most 3 templates per tap, in the server’s order, and posts what the user accepted and rejected', async () => {
    requestMock.mockImplementation(async (path: string, opts?: { method?: string; data?: Record<string, unknown> }) => {
      if (path === '/me') return { id: 1, phoneMasked: null, hasWechat: true };
      if (path === '/accounts') return [];
      if (path === '/me/notification-preferences') return preferences();
      if (path === '/me/notification-preferences/wechat-consent') {
        const { accepted, rejected } = opts!.data as { accepted: string[]; rejected: string[] };
        return preferences(Object.fromEntries([...accepted.map((id) => [id, 'accepted']), ...rejected.map((id) => [id, 'rejected'])]));
      }
      throw new Error(`unexpected ${path}`);
    });
    const ask = jest
      .spyOn(Taro, 'requestSubscribeMessage')
      .mockResolvedValueOnce({ errMsg: 'requestSubscribeMessage:ok', 'T-REPLY': 'accept', 'T-RESOLVED': 'reject', 'T-RATING': 'filter' } as never)
      .mockResolvedValueOnce({ errMsg: 'requestSubscribeMessage:ok', 'T-RENEWAL': 'ban', 'T-ACCEPTED': 'accept' } as never);
    render(<MePage />);
    expect(await screen.findByText('订阅后，通知将通过微信服务通知发送；每次订阅可收到一条，未订阅的以短信发送')).toBeTruthy();

    await act(async () => {
      fireEvent.click(screen.getByText('订阅消息（1/2）'));
    });
    expect(ask).toHaveBeenLastCalledWith({ tmplIds: ['T-REPLY', 'T-RESOLVED', 'T-RATING'] });
    expect(requestMock).toHaveBeenCalledWith('/me/notification-preferences/wechat-consent', { method: 'POST', data: { accepted: ['T-REPLY'], rejected: ['T-RESOLVED'] } });
    expect(Taro.showToast).toHaveBeenLastCalledWith({ title: '已订阅1项', icon: 'success' });

    await act(async () => {
      fireEvent.click(screen.getByText('订阅消息（2/2）'));
    });
    expect(ask).toHaveBeenLastCalledWith({ tmplIds: ['T-RENEWAL', 'T-ACCEPTED'] });
    expect(requestMock).toHaveBeenLastCalledWith('/me/notification-preferences/wechat-consent', { method: 'POST', data: { accepted: ['T-ACCEPTED'], rejected: ['T-RENEWAL'] } });
    expect(screen.getByText('订阅消息（1/2）')).toBeTruthy();
  });

  it('tells the user how to switch subscribe messages back on when WeChat says they are off, and records nothing', async () => {
    requestMock.mockImplementation(async (path: string) => (path === '/accounts' ? [] : path === '/me/notification-preferences' ? preferences() : { id: 1, phoneMasked: null, hasWechat: true }));
    jest.spyOn(Taro, 'requestSubscribeMessage').mockRejectedValue({ errMsg: 'requestSubscribeMessage:fail', errCode: 20004 });
    const modal = jest.spyOn(Taro, 'showModal').mockImplementation((() => Promise.resolve({ confirm: true, cancel: false, errMsg: 'ok' })) as never);
    render(<MePage />);
    await screen.findByText('处理结果通知');
    await act(async () => {
      fireEvent.click(screen.getByText('订阅消息（1/2）'));
    });
    expect(modal).toHaveBeenCalledWith({ title: '无法订阅', content: '您已关闭订阅消息，可在小程序右上角“…”→“设置”中打开', showCancel: false });
    expect(requestMock.mock.calls.some(([path]) => path.includes('wechat-consent'))).toBe(false);
  });
});
