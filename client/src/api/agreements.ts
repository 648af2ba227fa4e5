import type { AgreementsView } from '@openhall/shared';
import { request } from './request';

/** 《用户协议》 and 《隐私政策》 as the operator publishes them, with their version (shown at sign-in). */
export function getAgreements(): Promise<AgreementsView> {
  return request<AgreementsView>('/agreements', { anonymous: true });
}
