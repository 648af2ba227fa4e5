import type {
  CommitmentInput,
  FeeScheduleInput,
  GuideInput,
  HallView,
  HotlineInput,
  MaterialPriceInput,
  NoticeKind,
} from '@openhall/shared';
import { request } from './request';

/** Published views: the admin input shape plus the id (and timestamps where the server adds them). */
export type FeeScheduleView = FeeScheduleInput & { id: number };
export type MaterialPriceView = MaterialPriceInput & { id: number };
export type CommitmentView = CommitmentInput & { id: number };
export type GuideView = GuideInput & { id: number };
export type HotlineView = HotlineInput & { id: number };
export interface NoticeView {
  id: number;
  kind: NoticeKind;
  title: string;
  body: string;
  area: string | null;
  startsAt: string;
  endsAt: string;
  publishedAt?: string;
}

export function listFeeSchedules(): Promise<{ schedules: FeeScheduleView[]; materials: MaterialPriceView[] }> {
  return request('/fee-schedules', { anonymous: true });
}

export function listCommitments(): Promise<CommitmentView[]> {
  return request('/commitments', { anonymous: true });
}

/** Halls, sorted nearest first when a position is given. */
export function listHalls(position?: { lat: number; lng: number }): Promise<HallView[]> {
  return request('/halls', { anonymous: true, data: position ? { lat: position.lat, lng: position.lng } : undefined });
}

export function listNotices(): Promise<NoticeView[]> {
  return request('/notices', { anonymous: true });
}

export function listGuides(): Promise<GuideView[]> {
  return request('/guides', { anonymous: true });
}

export function listHotlines(): Promise<HotlineView[]> {
  return request('/hotlines', { anonymous: true });
}
