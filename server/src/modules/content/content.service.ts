import type { AppDeps } from '../../deps';
import type { AuditService } from '../audit/audit.service';

/** Placeholder until the content module lands (helper in progress). */
export class ContentService {
  constructor(
    readonly deps: AppDeps,
    readonly audit: AuditService,
  ) {}
}
