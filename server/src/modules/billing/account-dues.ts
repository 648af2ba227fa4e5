import { businessDate, computeLateFeeFen, maskName, maskPhone, type AccountView } from '@openhall/shared';
import type { AppDeps } from '../../deps';
import type { AccountBinding } from '../accounts/account-binding.entity';
import type { Account } from '../accounts/account.entity';
import { DISPUTED_SQL, lateFeeSuspensions } from './late-fee-suspensions';
import type { Bill } from './bill.entity';

/** The binding fields a view is built from. */
type BindingRow = Pick<AccountBinding, 'accountId' | 'isDefault'>;
type AccountRow = Pick<Account, 'id' | 'accountNo' | 'serviceType' | 'holderName' | 'holderPhone' | 'address' | 'area' | 'balanceFen' | 'prepaid'>;
type UnpaidBillRow = Pick<Bill, 'id' | 'accountId' | 'status' | 'amountFen' | 'dueDate'> & { disputed: boolean };
/** The account list's joined row, as the driver returns it: an account, and one of its unpaid bills (or none). */
interface AccountListRow extends Record<string, unknown> {
  id: number;
  account_no: string;
  service_type: Account['serviceType'];
  holder_name: string;
  holder_phone: string;
  address: string;
  area: string;
  balance_fen: number | string;
  prepaid: number | boolean;
  is_default: number | boolean;
  expires_on: string | null;
  bill_id: number | null;
  amount_fen: number | string | null;
  due_date: string | null;
  bill_disputed: number | string;
}

/**
 * A user's accounts as the home and bills screens show them: each with what it owes today (the
 * unpaid bills with their late fees as of today) and its earliest package expiry. It reads bills,
 * so it lives with billing; the accounts module is handed it as a reader (services.ts).
 */
export class AccountDuesReader {
  constructor(private readonly deps: AppDeps) {}

  /**
   * The user's accounts (or the one given), default first, then in the order they were bound. The
   * home and bills screens read this every time: one statement brings the bound accounts, each with
   * its earliest package expiry and one row per unpaid bill. Never called inside a transaction.
   */
  async views(userId: number, accountId?: number): Promise<AccountView[]> {
    const rows = await this.deps.readDb.rows<AccountListRow>(
      'select `account`.`id`, `account`.`account_no`, `account`.`service_type`, `account`.`holder_name`, `account`.`holder_phone`, `account`.`address`, ' +
        '`account`.`area`, `account`.`balance_fen`, `account`.`prepaid`, `account_binding`.`is_default`, ' +
        '(select min(`subscription`.`expires_on`) from `subscription` where `subscription`.`account_id` = `account`.`id`) as `expires_on`, ' +
        `\`bill\`.\`id\` as \`bill_id\`, \`bill\`.\`amount_fen\`, \`bill\`.\`due_date\`, ${DISPUTED_SQL} as \`bill_disputed\` ` +
        'from `account_binding` join `account` on `account`.`id` = `account_binding`.`account_id` ' +
        "left join `bill` on `bill`.`account_id` = `account`.`id` and `bill`.`status` = 'unpaid' " +
        `where \`account_binding\`.\`user_id\` = ?${accountId !== undefined ? ' and `account_binding`.`account_id` = ?' : ''} ` +
        'order by `account_binding`.`is_default` desc, `account_binding`.`created_at` asc, `account_binding`.`id` asc, `bill`.`id` asc',
      accountId !== undefined ? [userId, accountId] : [userId],
    );
    const bindings: BindingRow[] = [];
    const accounts: AccountRow[] = [];
    const unpaid: UnpaidBillRow[] = [];
    const expires = new Map<number, string>();
    for (const r of rows) {
      const id = Number(r.id);
      if (accounts.at(-1)?.id !== id) {
        accounts.push({
          id,
          accountNo: r.account_no,
          serviceType: r.service_type,
          holderName: r.holder_name,
          holderPhone: r.holder_phone,
          address: r.address,
          area: r.area,
          balanceFen: Number(r.balance_fen),
          prepaid: Boolean(r.prepaid),
        });
        bindings.push({ accountId: id, isDefault: Boolean(r.is_default) });
        if (r.expires_on !== null) expires.set(id, r.expires_on);
      }
      if (r.bill_id !== null) {
        unpaid.push({ id: Number(r.bill_id), accountId: id, status: 'unpaid', amountFen: Number(r.amount_fen), dueDate: r.due_date!, disputed: Number(r.bill_disputed) > 0 });
      }
    }
    return this.viewsOf(bindings, accounts, unpaid, expires);
  }

  /** Amounts due (with late fees as of today) and package expiry, per binding, in the order given. */
  private async viewsOf(bindings: BindingRow[], accounts: AccountRow[], unpaid: UnpaidBillRow[], expires: Map<number, string>): Promise<AccountView[]> {
    const today = businessDate(this.deps.clock.now());
    const rule = this.deps.config.operator.lateFee;
    const suspended = await lateFeeSuspensions(this.deps.readDb, unpaid, today, rule);
    const due = new Map<number, { amountFen: number; count: number }>();
    for (const bill of unpaid) {
      const amountFen = Number(bill.amountFen);
      const d = due.get(bill.accountId) ?? { amountFen: 0, count: 0 };
      // Unpaid bills carry no stored late fee: it grows daily, so it is computed as of today.
      d.amountFen += amountFen + computeLateFeeFen(amountFen, bill.dueDate, today, rule, suspended.get(bill.id));
      d.count += 1;
      due.set(bill.accountId, d);
    }
    const byId = new Map(accounts.map((a) => [a.id, a]));
    return bindings.flatMap((b) => {
      const a = byId.get(b.accountId);
      if (!a) return [];
      return [
        {
          id: a.id,
          accountNo: a.accountNo,
          serviceType: a.serviceType,
          holderNameMasked: maskName(a.holderName),
          phoneMasked: maskPhone(a.holderPhone),
          address: a.address,
          area: a.area,
          isDefault: b.isDefault,
          prepaid: a.prepaid,
          balanceFen: Number(a.balanceFen),
          amountDueFen: due.get(a.id)?.amountFen ?? 0,
          unpaidBills: due.get(a.id)?.count ?? 0,
          subscriptionExpiresOn: expires.get(a.id) ?? null,
        },
      ];
    });
  }
}
