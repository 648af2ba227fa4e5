import type { AppDeps } from '../../deps';
import type { AuditService } from '../audit/audit.service';

/** Placeholder until the accounts module lands (helper in progress). */
export class AccountsService {
  constructor(
    readonly deps: AppDeps,
    readonly audit: AuditService,
  ) {}
}
