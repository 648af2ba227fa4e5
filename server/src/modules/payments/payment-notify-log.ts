import type { EntityManager } from '@mikro-orm/knex';
import type { PaymentGatewayName } from '@openhall/shared';
import type { AppDeps } from '../../deps';

/** A received notification, for payment_notify. */
export interface NotifyRecord {
  gateway: PaymentGatewayName;
  notifyId: string | null;
  outTradeNo: string | null;
  rawBody: string;
}

/** Inserts the record unless one with its gateway and id is there (`insert ignore` / `insert or ignore`, as the ORM's onConflict().ignore() writes it). */
export async function insertNotify(deps: Pick<AppDeps, 'config' | 'readDb' | 'clock'>, em: EntityManager, n: NotifyRecord, outcome: string): Promise<void> {
  await insertNotifies(deps, em, [n], outcome);
}

/** Several records in one statement (a settlement batch's notifications), each as `insertNotify` would. */
export async function insertNotifies(deps: Pick<AppDeps, 'config' | 'readDb' | 'clock'>, em: EntityManager, records: readonly NotifyRecord[], outcome: string): Promise<void> {
  if (records.length === 0) return;
  const ignore = deps.config.db.type === 'sqlite' ? 'insert or ignore' : 'insert ignore';
  const at = deps.readDb.datetime(deps.clock.now());
  await em.execute(
    `${ignore} into \`payment_notify\` (\`gateway\`, \`notify_id\`, \`out_trade_no\`, \`outcome\`, \`raw_body\`, \`received_at\`) values ${records.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
    records.flatMap((n) => [n.gateway, n.notifyId, n.outTradeNo?.slice(0, 32) ?? null, outcome.slice(0, 64), n.rawBody, at]),
    'run',
  );
}
