import type {
  CommitmentView,
  CoordSystem,
  FeeSchedulesView,
  GuideView,
  HallView,
  HotlineView,
  NoticeView,
} from '@openhall/shared';
import { request } from './request';

// The answers are typed by the server's own view types (shared/src/content.ts), so a field the
// server renames breaks the client build instead of rendering blank.

/** Fee schedules in effect today and the material price list. */
export function listFeeSchedules(): Promise<FeeSchedulesView> {
  return request<FeeSchedulesView>('/fee-schedules', { anonymous: true });
}

export function listCommitments(): Promise<CommitmentView[]> {
  return request<CommitmentView[]>('/commitments', { anonymous: true });
}

/** Halls, sorted nearest first when a position is given (in the datum it came in: the server converts). */
export function listHalls(position?: { lat: number; lng: number; coord: CoordSystem }): Promise<HallView[]> {
  return request<HallView[]>('/halls', { anonymous: true, data: position ? { lat: position.lat, lng: position.lng, coord: position.coord } : undefined });
}

/** Notices not over yet (in progress and upcoming), soonest first. */
export function listNotices(): Promise<NoticeView[]> {
  return request<NoticeView[]>('/notices', { anonymous: true });
}

export function listGuides(): Promise<GuideView[]> {
  return request<GuideView[]>('/guides', { anonymous: true });
}

export function listHotlines(): Promise<HotlineView[]> {
  return request<HotlineView[]>('/hotlines', { anonymous: true });
}
