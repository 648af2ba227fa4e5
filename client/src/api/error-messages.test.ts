import { errorCodes } from '@openhall/shared';
import { ApiError, errorMessageOf, errorMessageWithServerWords } from './errors';
import { errorMessages } from './error-messages';

describe('error message table', () => {
  it('has a non-empty Chinese message for every server error code', () => {
    for (const code of errorCodes) {
      expect(errorMessages[code]).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(Object.keys(errorMessages).sort()).toEqual([...errorCodes].sort());
  });

  it('shows the table message, not the raw server text', () => {
    const err = new ApiError('ACCOUNT_BIND_FAILED', 'binding failed', 400);
    expect(errorMessageOf(err)).toBe(errorMessages.ACCOUNT_BIND_FAILED);
  });

  it('covers network failures and unknown throws', () => {
    expect(errorMessageOf(new ApiError('NETWORK', 'request:fail', 0))).toContain('网络');
    expect(errorMessageOf(new Error('boom'))).toBe(errorMessages.INTERNAL);
  });

  it('adds the server’s own Chinese words after the table’s for the codes asked, and nothing else', () => {
    const refused = new ApiError('UNSUPPORTED_MEDIA_TYPE', '微信支付只接受 JPG、PNG 或 BMP 格式的图片，请转换格式（或截图）后重新上传', 415);
    expect(errorMessageWithServerWords(refused, ['UNSUPPORTED_MEDIA_TYPE'])).toBe('不支持的内容格式：微信支付只接受 JPG、PNG 或 BMP 格式的图片，请转换格式（或截图）后重新上传');
    // Not a code asked for; an English internal or a bare status; zod's generic list of fields.
    expect(errorMessageWithServerWords(refused, ['PAYLOAD_TOO_LARGE'])).toBe('不支持的内容格式');
    expect(errorMessageWithServerWords(new ApiError('PAYLOAD_TOO_LARGE', 'HTTP 413', 413), ['PAYLOAD_TOO_LARGE'])).toBe('提交的内容过大');
    expect(errorMessageWithServerWords(new ApiError('VALIDATION_FAILED', '请求参数有误：body.photoIds', 400), ['VALIDATION_FAILED'])).toBe(errorMessages.VALIDATION_FAILED);
    expect(errorMessageWithServerWords(new ApiError('NETWORK', '网络断开', 0), ['UNSUPPORTED_MEDIA_TYPE'])).toBe(errorMessageOf(new ApiError('NETWORK', '', 0)));
  });

  it('tells a rate limit in the server’s words, which say which limit and when to come back; the table’s when there are none', () => {
    const daily = new ApiError('RATE_LIMITED', '该手机号今日验证码发送次数已达上限，请明天再试', 429);
    expect(errorMessageOf(daily)).toBe('该手机号今日验证码发送次数已达上限，请明天再试');
    expect(errorMessageOf(new ApiError('RATE_LIMITED', 'Too many requests', 429))).toBe(errorMessages.RATE_LIMITED);
    expect(errorMessageOf(new ApiError('RATE_LIMITED', '', 429))).toBe(errorMessages.RATE_LIMITED);
    // Not said twice where the server's words are added to the table's.
    expect(errorMessageWithServerWords(daily, ['RATE_LIMITED'])).toBe('该手机号今日验证码发送次数已达上限，请明天再试');
  });
});
