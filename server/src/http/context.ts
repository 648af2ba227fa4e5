import type { Logger } from 'pino';
import type { StaffRole } from '@openhall/shared';

/** Who is calling, resolved from the bearer token. */
export type Principal =
  | { kind: 'user'; userId: number; sessionId: number; openid: string | null; phone: string | null }
  | { kind: 'staff'; staffId: number; sessionId: number; role: StaffRole; username: string; name: string; jobNo: string };

/** Per-request state every middleware and route can read. */
export interface AppState {
  requestId: string;
  log: Logger;
  principal?: Principal;
}

/** A signed-in subscriber. */
export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** A signed-in member of staff. */
export type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;
