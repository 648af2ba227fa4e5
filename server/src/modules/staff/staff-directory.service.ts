import type { CannedRepliesView, OperatorAreaView, StaffDirectoryEntry } from '@openhall/shared';
import type { Em } from '../../db';
import type { AppDeps } from '../../deps';
import { StaffUser } from './staff-user.entity';

/** What the staff console needs to know about the operator's own people and texts. */
export class StaffDirectoryService {
  constructor(private readonly deps: AppDeps) {}

  /** The operator's canned texts per console action (config/operator.json `cannedReplies`). */
  cannedReplies(): CannedRepliesView {
    return this.deps.config.operator.cannedReplies;
  }

  /**
   * The operator's service areas (config/operator.json `areas`), in the configured order: what an
   * outage is declared for and what the figures are broken down by. Only code and name: whether an
   * area counts as rural is a rule of the server's (installation deadlines), not a console choice.
   */
  listAreas(): OperatorAreaView[] {
    return this.deps.config.operator.areas.map((a) => ({ code: a.code, name: a.name }));
  }

  /** Active staff, by role then job number: whom a ticket can be transferred to. */
  async listActiveStaff(): Promise<StaffDirectoryEntry[]> {
    const em = this.deps.orm.em.fork() as Em;
    const rows = await em.find(StaffUser, { active: true }, { orderBy: { jobNo: 'asc' }, fields: ['id', 'name', 'jobNo', 'role'] });
    const rank = { agent: 0, supervisor: 1, admin: 2 } as const;
    return rows
      .map((s) => ({ id: s.id, name: s.name, jobNo: s.jobNo, role: s.role }))
      .sort((a, b) => rank[a.role] - rank[b.role] || a.jobNo.localeCompare(b.jobNo));
  }
}
