import { errorCodes } from '@openhall/shared';
import { ApiError, errorMessageOf } from './errors';
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
});
