import type { ClientConfigView } from '@openhall/shared';
import { request } from './request';

let cached: Promise<ClientConfigView> | null = null;

/**
 * This deployment as the client needs it (`GET /client-config`): asked once per visit, asked again
 * after a failed try.
 */
export function getClientConfig(): Promise<ClientConfigView> {
  if (!cached) {
    cached = request<ClientConfigView>('/client-config', { anonymous: true });
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}

/** Forgets the answer (tests). */
export function resetClientConfig(): void {
  cached = null;
}
