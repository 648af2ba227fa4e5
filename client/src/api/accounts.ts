import type { AccountView, BindAccountInput } from '@openhall/shared';
import { request } from './request';

export function listAccounts(): Promise<AccountView[]> {
  return request<AccountView[]>('/accounts');
}

export function bindAccount(input: BindAccountInput): Promise<AccountView> {
  return request<AccountView>('/accounts/bind', { method: 'POST', data: { ...input } });
}

export function setDefaultAccount(id: number): Promise<unknown> {
  return request(`/accounts/${id}/default`, { method: 'POST' });
}

export function unbindAccount(id: number): Promise<unknown> {
  return request(`/accounts/${id}`, { method: 'DELETE' });
}
