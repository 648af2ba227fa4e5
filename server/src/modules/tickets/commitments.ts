import { commitmentCodeFor, type FaultSeverity, type TicketType } from '@openhall/shared';
import type { AppConfig } from '../../config';

/** One of the operator's published commitments (config/operator.json `commitments`). */
export type OperatorCommitment = AppConfig['operator']['commitments'][number];

/** The commitment with this code; the operator profile must list every code tickets use. */
export function commitmentByCode(config: AppConfig, code: string): OperatorCommitment {
  const c = config.operator.commitments.find((x) => x.code === code);
  if (!c) throw new Error(`operator.json has no commitment ${code}`);
  return c;
}

/** The commitment a ticket runs on: by type, a fault's severity, and whether its area is city or rural. */
export function commitmentFor(config: AppConfig, type: TicketType, severity: FaultSeverity | null, area: string): OperatorCommitment {
  const areaKind = config.operator.areas.find((a) => a.code === area)?.kind ?? 'city';
  return commitmentByCode(config, commitmentCodeFor(type, severity, areaKind));
}
