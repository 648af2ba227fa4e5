import {
  STAFF_SEARCH_LIMIT,
  maskName,
  maskPhone,
  staffSearchKindOf,
  type StaffSearchAccount,
  type StaffSearchQuery,
  type StaffSearchTicket,
  type StaffSearchUser,
  type StaffSearchView,
} from '@openhall/shared';
import type { AppDeps } from '../../deps';
import { AppError } from '../../http/errors';
import { placeholders } from '../../read-db';
import { Account } from '../accounts/account.entity';
import type { AuditService } from '../audit/audit.service';
import { Ticket } from '../tickets/ticket.entity';

/** A ticket id fits a signed 32-bit integer column. */
const MAX_TICKET_ID = 2_147_483_647;
const TICKET_COLUMNS = '`id`, `type`, `status`, `channel`, `work_order_no`, `account_id`, `area`, `contact_phone`, `created_at`';
const ACCOUNT_COLUMNS = '`id`, `account_no`, `service_type`, `holder_name`, `holder_phone`, `area`';

/**
 * The console's one search box (staff, any role). Every lookup is an exact match on an index, by
 * fixed statements: a search never scans accounts or tickets, however many there are. Results are
 * masked like the rest of the console, and each search is in the audit log (who looked up which
 * phone or name, masked there too).
 */
export class StaffSearchService {
  constructor(
    private readonly deps: AppDeps,
    private readonly audit: AuditService,
  ) {}

  async search(staffId: number, query: StaffSearchQuery): Promise<StaffSearchView> {
    const kind = staffSearchKindOf(query.q);
    if (!kind) throw new AppError('VALIDATION_FAILED', 400, '请输入工单号、工单系统单号、11位手机号、户号或户主姓名', { q: query.q.length });
    const text = query.q.trim().replace(/^#/, '');
    const { readDb } = this.deps;
    const limit = STAFF_SEARCH_LIMIT;
    let tickets: Ticket[] = [];
    let accounts: Account[] = [];
    let users: StaffSearchUser[] = [];
    const ticketsWhere = async (where: string, params: (string | number)[]) =>
      (await readDb.entities(Ticket, `select ${TICKET_COLUMNS} from \`ticket\` where ${where} order by \`id\` desc limit ${limit}`, params)) as Ticket[];
    const accountsWhere = async (where: string, params: (string | number)[]) =>
      (await readDb.entities(Account, `select ${ACCOUNT_COLUMNS} from \`account\` where ${where} order by \`id\` limit ${limit}`, params)) as Account[];

    if (kind === 'ticket_or_account') {
      const id = Number(text);
      [tickets, accounts] = await Promise.all([
        text.length <= 10 && id >= 1 && id <= MAX_TICKET_ID ? ticketsWhere('`id` = ?', [id]) : Promise.resolve([]),
        accountsWhere('`account_no` = ?', [text]),
      ]);
    } else if (kind === 'work_order_or_account') {
      [tickets, accounts] = await Promise.all([ticketsWhere('`work_order_no` = ?', [text]), accountsWhere('`account_no` = ?', [text])]);
    } else if (kind === 'holder_name') {
      accounts = await accountsWhere('`holder_name` = ?', [text]);
    } else {
      const [byContact, byHolder, byNo, found] = await Promise.all([
        ticketsWhere('`contact_phone` = ?', [text]),
        accountsWhere('`holder_phone` = ?', [text]),
        accountsWhere('`account_no` = ?', [text]),
        readDb.rows<{ id: number; phone: string }>('select `id`, `phone` from `portal_user` where `phone` = ?', [text]),
      ]);
      tickets = byContact;
      accounts = [...byNo, ...byHolder.filter((a) => !byNo.some((b) => b.id === a.id))];
      users = await this.usersWithAccounts(found);
    }

    const accountOf = await this.accountsById(tickets.map((t) => t.accountId).filter((id) => !accounts.some((a) => a.id === id)), accounts);
    const view: StaffSearchView = {
      kind,
      tickets: tickets.map((t) => this.ticketView(t, accountOf.get(t.accountId))),
      accounts: accounts.map((a) => this.accountView(a)),
      users,
    };
    const em = this.deps.orm.em.fork();
    this.audit.record(
      em,
      { kind: 'staff', id: staffId },
      { action: 'staff.search', entityType: 'search', detail: { kind, q: maskQuery(kind, text), found: { tickets: view.tickets.length, accounts: view.accounts.length, users: view.users.length } } },
      this.deps.clock.now(),
    );
    await em.flush();
    return view;
  }

  /** Accounts by id (those not read already), joined with the ones in hand. */
  private async accountsById(ids: number[], known: Account[]): Promise<Map<number, Account>> {
    const map = new Map(known.map((a) => [a.id, a]));
    const missing = [...new Set(ids)];
    if (missing.length > 0) {
      const rows = (await this.deps.readDb.entities(Account, `select ${ACCOUNT_COLUMNS} from \`account\` where \`id\` in (${placeholders(missing.length)})`, missing)) as Account[];
      for (const a of rows) map.set(a.id, a);
    }
    return map;
  }

  /** Portal users with the numbers of the accounts they have bound. */
  private async usersWithAccounts(found: Array<{ id: number; phone: string }>): Promise<StaffSearchUser[]> {
    if (found.length === 0) return [];
    const ids = found.map((u) => Number(u.id));
    const bound = await this.deps.readDb.rows<{ userId: number; accountNo: string }>(
      `select \`b\`.\`user_id\` as \`userId\`, \`a\`.\`account_no\` as \`accountNo\` from \`account_binding\` as \`b\` join \`account\` as \`a\` on \`a\`.\`id\` = \`b\`.\`account_id\` where \`b\`.\`user_id\` in (${placeholders(ids.length)}) order by \`b\`.\`id\``,
      ids,
    );
    return found.map((u) => ({
      id: Number(u.id),
      phoneMasked: maskPhone(u.phone),
      accountNos: bound.filter((b) => Number(b.userId) === Number(u.id)).map((b) => b.accountNo),
    }));
  }

  private areaName(code: string): string {
    return this.deps.config.operator.areas.find((a) => a.code === code)?.name ?? code;
  }

  private ticketView(t: Ticket, account: Account | undefined): StaffSearchTicket {
    return {
      id: t.id,
      type: t.type,
      status: t.status,
      channel: t.channel,
      workOrderNo: t.workOrderNo,
      accountNo: account?.accountNo ?? '',
      areaName: this.areaName(t.area),
      contactPhoneMasked: maskPhone(t.contactPhone),
      createdAt: t.createdAt.toISOString(),
    };
  }

  private accountView(a: Account): StaffSearchAccount {
    return {
      id: a.id,
      accountNo: a.accountNo,
      serviceType: a.serviceType,
      holderNameMasked: maskName(a.holderName),
      holderPhoneMasked: maskPhone(a.holderPhone),
      areaName: this.areaName(a.area),
    };
  }
}

/** What the audit log keeps of a search: phones and names masked (the log is read by more people than the console). */
function maskQuery(kind: string, text: string): string {
  if (kind === 'phone') return maskPhone(text);
  if (kind === 'holder_name') return maskName(text);
  return text;
}
