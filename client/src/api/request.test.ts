import Taro from '@tarojs/taro';
import { ApiError, errorMessageOf } from './errors';
import { DEFAULT_TIMEOUT_MS, request } from './request';
import { getToken, saveToken } from './token';

type Reply = { statusCode: number; data: unknown };

function replyWith(reply: Reply) {
  return jest.spyOn(Taro, 'request').mockImplementation((() => Promise.resolve({ ...reply, header: {}, errMsg: 'request:ok' })) as never);
}

describe('request()', () => {
  afterEach(() => jest.restoreAllMocks());

  it('calls /api/v1 on the configured base with the stored bearer token and unwraps data', async () => {
    saveToken('tok-1', '2099-01-01T00:00:00Z');
    const spy = replyWith({ statusCode: 200, data: { data: [{ id: 1 }] } });
    await expect(request('/accounts')).resolves.toEqual([{ id: 1 }]);
    const opts = spy.mock.calls[0][0] as { url: string; header: Record<string, string> };
    expect(opts.url).toBe('http://api.test/api/v1/accounts');
    expect(opts.header.Authorization).toBe('Bearer tok-1');
  });

  it('throws ApiError with the server code, message and status', async () => {
    replyWith({ statusCode: 400, data: { error: { code: 'ACCOUNT_BIND_FAILED', message: '不匹配' } } });
    const err = await request('/accounts/bind', { method: 'POST', data: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'ACCOUNT_BIND_FAILED', status: 400, message: '不匹配' });
  });

  it('forgets the session when the server says it is gone', async () => {
    saveToken('stale', '2099-01-01T00:00:00Z');
    replyWith({ statusCode: 401, data: { error: { code: 'UNAUTHENTICATED', message: 'no' } } });
    await expect(request('/me')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(getToken()).toBeNull();
  });

  it('treats an expired token as absent', async () => {
    saveToken('old', '2000-01-01T00:00:00Z');
    const spy = replyWith({ statusCode: 200, data: { data: [] } });
    await request('/accounts');
    expect((spy.mock.calls[0][0] as { header: Record<string, string> }).header.Authorization).toBeUndefined();
  });

  it('turns a transport failure into a NETWORK ApiError', async () => {
    jest.spyOn(Taro, 'request').mockImplementation((() => Promise.reject({ errMsg: 'request:fail' })) as never);
    await expect(request('/halls')).rejects.toMatchObject({ code: 'NETWORK', status: 0 });
  });

  it('answers an HTML page as text when asked, and still reads the error envelope of a refusal', async () => {
    const spy = replyWith({ statusCode: 200, data: '<html>凭证</html>' });
    await expect(request('/bills/1/receipt', { text: true })).resolves.toBe('<html>凭证</html>');
    expect((spy.mock.calls[0][0] as { dataType: string }).dataType).toBe('text');
    spy.mockRestore();
    replyWith({ statusCode: 409, data: JSON.stringify({ error: { code: 'BILL_NOT_PAID', message: 'no' } }) });
    await expect(request('/bills/1/receipt', { text: true })).rejects.toMatchObject({ code: 'BILL_NOT_PAID', status: 409 });
  });

  it('sends a file as the raw body with its own content type, and waits as long as asked', async () => {
    const spy = replyWith({ statusCode: 202, data: { data: { id: 6 } } });
    const file = new Blob(['记录类型,编号\r\n'], { type: 'application/vnd.ms-excel' });
    await expect(request('/staff/billing/imports?fileName=a.csv', { method: 'POST', body: { data: file, type: 'text/csv' }, timeout: 600_000 })).resolves.toEqual({ id: 6 });
    const opts = spy.mock.calls[0][0] as { data: unknown; header: Record<string, string>; timeout: number };
    expect(opts.data).toBe(file);
    expect(opts.header['Content-Type']).toBe('text/csv');
    expect(opts.timeout).toBe(600_000);
  });

  it('accepts 204 with no body', async () => {
    replyWith({ statusCode: 204, data: '' });
    await expect(request('/auth/logout', { method: 'POST' })).resolves.toBeUndefined();
  });
  it('gives up on a request that hangs after DEFAULT_TIMEOUT_MS with TIMEOUT (and its own words), and tells Taro the same limit', async () => {
    jest.useFakeTimers();
    try {
      const spy = jest.spyOn(Taro, 'request').mockImplementation((() => new Promise(() => undefined)) as never);
      const pending = request('/accounts').catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(DEFAULT_TIMEOUT_MS - 1);
      let settled = false;
      void pending.then(() => (settled = true));
      await Promise.resolve();
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      const err = await pending;
      expect(err).toMatchObject({ code: 'TIMEOUT', status: 0 });
      expect(errorMessageOf(err)).toBe('请求超时，请检查网络后点“重试”');
      expect((spy.mock.calls[0][0] as { timeout: number }).timeout).toBe(DEFAULT_TIMEOUT_MS);
    } finally {
      jest.useRealTimers();
    }
  });

  it("reads the platform's own timeout failure as TIMEOUT, any other transport failure as NETWORK", async () => {
    jest.spyOn(Taro, 'request').mockImplementationOnce((() => Promise.reject({ errMsg: 'request:fail timeout' })) as never);
    await expect(request('/accounts')).rejects.toMatchObject({ code: 'TIMEOUT' });
    jest.spyOn(Taro, 'request').mockImplementationOnce((() => Promise.reject({ errMsg: 'request:fail net::ERR_CONNECTION_REFUSED' })) as never);
    await expect(request('/accounts')).rejects.toMatchObject({ code: 'NETWORK' });
  });
});
