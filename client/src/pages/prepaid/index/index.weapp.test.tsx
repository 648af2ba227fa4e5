import { NOTIFICATION_KIND_RULES, type NotificationKind, type NotificationPreferencesView } from '@openhall/shared';
import { act, fireEvent, render, waitFor } from '@testing-library/react';
import { Current } from '@tarojs/runtime';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import { saveToken } from '../../../api/token';
import { prepaidAccount, prepaidView, serve, serviceRequest } from '../prepaid-fixtures';
import PrepaidPage from './index';

// The balance page as the mini-program builds it: notices can come as WeChat subscribe messages,
// one per consent, so the page asks for consent when the subscriber acts (subscribe.weapp.ts).
jest.mock('../../../platform/subscribe', () => jest.requireActual('../../../platform/subscribe.weapp'));
jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

/** Every kind with a template `T-<kind>`; `off` kinds switched off by the subscriber. */
function preferences(off: NotificationKind[] = []): NotificationPreferencesView {
  const kinds = (Object.keys(NOTIFICATION_KIND_RULES) as NotificationKind[]).map((kind) => {
    const rule = NOTIFICATION_KIND_RULES[kind];
    return { kind, ...rule, mandatory: rule.mandatoryReason !== null, enabled: !off.includes(kind), wechatTemplateId: `T-${kind}`, wechatConsent: null };
  });
  return { kinds, wechatTemplateIds: kinds.filter((k) => k.enabled).map((k) => k.wechatTemplateId) };
}

const text = (selector: string) => document.querySelector(selector)?.textContent ?? '';

describe('balance page in the mini-program', () => {
  let consents: { accepted: string[]; rejected: string[] }[];

  function serveWith(off: NotificationKind[] = []) {
    const calls: string[] = [];
    serve(requestMock, {
      '/accounts': () => [prepaidAccount],
      '/accounts/3/prepaid': () => prepaidView(),
      '/accounts/3/ledger': () => ({ items: [], page: 1, pageSize: 10, total: 0 }),
      '/me/notification-preferences': () => preferences(off),
      'POST /me/notification-preferences/wechat-consent': (data) => {
        consents.push(data as { accepted: string[]; rejected: string[] });
        return preferences(off);
      },
      'PUT /accounts/3/low-balance-threshold': () => {
        calls.push('threshold');
        return prepaidView();
      },
      'POST /accounts/3/emergency-suspension': () => {
        calls.push('stop');
        return serviceRequest();
      },
    });
    return calls;
  }

  beforeEach(() => {
    requestMock.mockReset();
    consents = [];
    saveToken('tok', '2099-01-01T00:00:00Z');
    Current.router = { params: { id: '3' }, path: '/pages/prepaid/index/index', onReady: '', onHide: '', onShow: '' } as never;
    jest.spyOn(Taro, 'showToast').mockImplementation(() => Promise.resolve({ errMsg: 'ok' }));
  });
  afterEach(() => jest.restoreAllMocks());

  it('saving the threshold asks WeChat for the low-balance alert first, then saves; a refusal still saves (the alert then comes by SMS)', async () => {
    /** How many saves had happened when WeChat was asked, each time. */
    const savesWhenAsked: number[] = [];
    const calls = serveWith();
    const ask = jest.spyOn(Taro, 'requestSubscribeMessage').mockImplementation((async (opts: { tmplIds: string[] }) => {
      savesWhenAsked.push(calls.length);
      return { errMsg: 'requestSubscribeMessage:ok', [opts.tmplIds[0]]: savesWhenAsked.length === 1 ? 'accept' : 'reject' };
    }) as never);
    render(<PrepaidPage />);
    await waitFor(() => expect(text('#threshold-hint')).toContain('保存时允许订阅即以微信服务通知提醒'));
    await waitFor(() => expect(requestMock).toHaveBeenCalledWith('/me/notification-preferences'));

    await act(async () => {
      fireEvent.click(document.querySelector('#threshold-save')!);
    });
    await waitFor(() => expect(calls).toEqual(['threshold']));
    expect(ask).toHaveBeenCalledWith({ tmplIds: ['T-low_balance'] });
    expect(consents).toEqual([{ accepted: ['T-low_balance'], rejected: [] }]);
    // The prompt came before the save (WeChat shows it only straight from the tap).
    expect(savesWhenAsked).toEqual([0]);

    await act(async () => {
      fireEvent.click(document.querySelector('#threshold-save')!);
    });
    await waitFor(() => expect(calls).toEqual(['threshold', 'threshold']));
    expect(savesWhenAsked).toEqual([0, 1]);
    expect(consents[1]).toEqual({ accepted: [], rejected: ['T-low_balance'] });
  });

  it('the stop’s confirmation asks for the result notice; a kind switched off in 我的 is not asked for', async () => {
    const ask = jest.spyOn(Taro, 'requestSubscribeMessage').mockResolvedValue({ errMsg: 'requestSubscribeMessage:ok', 'T-service_status': 'accept' } as never);
    const calls = serveWith(['low_balance']);
    render(<PrepaidPage />);
    await waitFor(() => expect(document.querySelector('#stop-start')).toBeTruthy());
    await waitFor(() => expect(requestMock).toHaveBeenCalledWith('/me/notification-preferences'));

    fireEvent.click(document.querySelector('#stop-start')!);
    await act(async () => {
      fireEvent.click(document.querySelector('#stop-confirm')!);
    });
    await waitFor(() => expect(calls).toEqual(['stop']));
    expect(ask).toHaveBeenCalledWith({ tmplIds: ['T-service_status'] });

    // The low-balance alert is switched off: saving the threshold asks nothing.
    ask.mockClear();
    await act(async () => {
      fireEvent.click(document.querySelector('#threshold-save')!);
    });
    await waitFor(() => expect(calls).toEqual(['stop', 'threshold']));
    expect(ask).not.toHaveBeenCalled();
  });

  it('WeChat failing to ask does not stop the save', async () => {
    jest.spyOn(Taro, 'requestSubscribeMessage').mockRejectedValue({ errMsg: 'requestSubscribeMessage:fail', errCode: 20004 });
    const calls = serveWith();
    render(<PrepaidPage />);
    await waitFor(() => expect(requestMock).toHaveBeenCalledWith('/me/notification-preferences'));
    await waitFor(() => expect(document.querySelector('#threshold-save')).toBeTruthy());
    await act(async () => {
      fireEvent.click(document.querySelector('#threshold-save')!);
    });
    await waitFor(() => expect(calls).toEqual(['threshold']));
  });
});
