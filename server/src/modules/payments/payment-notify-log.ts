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
  const { gateway, notifyId, outTradeNo, rawBody } = n;
  const ignore = deps.config.db.type === 'sqlite' ? 'insert or ignore' : 'insert ignore';
  await em.execute(
    `${ignore} into \`payment_notify\` (\`gateway\`, \`notify_id\`, \`out_trade_no\`, \`outcome\`, \`raw_body\`, \`received_at\`) values (?, ?, ?, ?, ?, ?)`,
    [gateway, notifyId, outTradeNo?.slice(0, 32) ?? null, outcome.slice(0, 64), rawBody, deps.readDb.datetime(deps.clock.now())],
    'run',
  );
}
