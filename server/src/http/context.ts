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

/** The signed-in subscriber's user id, on a route whose `auth` is 'user' (the router has checked it). */
export function userIdOf(principal: Principal | undefined): number {
  return (principal as Extract<Principal, { kind: 'user' }>).userId;
}

/** The signed-in staff member, on a route whose `auth` names a staff role (the router has checked it). */
export function staffOf(principal: Principal | undefined): Extract<Principal, { kind: 'staff' }> {
  return principal as Extract<Principal, { kind: 'staff' }>;
}
