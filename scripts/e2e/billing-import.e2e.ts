/**
 * Browser end-to-end test of the staff console's billing import (issue 14) on the H5 build, against
 * the real server on a fresh embedded database with the sandboxes and the demo data. The server,
 * browser and step machinery is in ./harness.ts.
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npx tsx scripts/e2e/billing-import.e2e.ts   (npm run test:e2e runs it after the others)
 *
 * A subscriber on a phone signs in by SMS code, binds 1000000001 (张三) and sees its unpaid bill on
 * the bills tab. Supervisor 陈静 (supervisor1) signs in to the console on a desktop-sized screen,
 * opens 账单导入 from the navigation, downloads the template (fetched with the console's token) and
 * uploads a CSV (Chinese headers, as the template has them)
 * holding one `payment` row: the bill paid at the hall counter, for its amount plus its current late
 * fee. The progress reaches 已完成 with 1 record imported. The subscriber reloads the bills tab and
 * the bill is no longer owed; the API says it was paid at the counter.
 * Screenshots of every step go to artifacts/e2e/billing-import/.
 */
import { api, check, onPage, openRoute, runE2E, signInBySms, staffToken, submitBindForm, type E2E } from './harness';

const PHONE = '13800000001';
const ACCOUNT_NO = '1000000001';
const HOLDER = '张三';
/** README.md, "Demo data". */
const SUPERVISOR = { username: 'supervisor1', password: 'Super#2026', jobNo: 'KF2001' };

const PHONE_SCREEN = { width: 390, height: 844 };
/** The console is used on a desktop: ≥ 1024 px gets its wide layout. */
const DESK_SCREEN = { width: 1366, height: 900 };

interface BillJson {
  id: number;
  period: string;
  status: 'unpaid' | 'overdue' | 'paid';
  amountFen: number;
  lateFeeFen: number;
  totalFen: number;
  paidElsewhere: { channel: string; channelName: string } | null;
}
interface ImportJson {
  id: number;
  source: string;
  batchId: string;
  status: string;
  records: number;
  accepted: number;
  unchanged: number;
  rejected: number;
}


/** Now in business time as the CSV's 缴费时间 takes it: "YYYY-MM-DD HH:mm" (Asia/Shanghai). */
function businessNow(): string {
  const shifted = new Date(Date.now() + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 16)}`;
}

/** A cell as CSV (the file is built here, independently of the server's own writer). */
const cell = (v: string | number) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

async function journey(e2e: E2E): Promise<void> {
  await e2e.step('open-home', async () => {
    const page = await e2e.openBrowser('/');
    await onPage(page, 'page-home', '#home-signin').waitFor();
  });

  await signInBySms(e2e, PHONE);

  await e2e.step('bind-account', async () => {
    await onPage(e2e.page, 'page-home', '#home-bind').click();
    await submitBindForm(e2e, ACCOUNT_NO, HOLDER);
    await onPage(e2e.page, 'page-home', `#account-${ACCOUNT_NO}`).waitFor();
  });

  let bill: BillJson | undefined;
  let subscriberToken = '';
  await e2e.step('bills-owed', async () => {
    subscriberToken = await e2e.token();
    await e2e.page.locator('.tab-bar__item--bills:visible').click();
    await onPage(e2e.page, 'page-bills').waitFor();
    const accounts = await e2e.api<{ id: number; accountNo: string }[]>('/api/v1/accounts');
    const accountId = accounts.find((a) => a.accountNo === ACCOUNT_NO)?.id;
    check(accountId, `${ACCOUNT_NO} is not bound`);
    const owed = (await e2e.api<{ items: BillJson[] }>(`/api/v1/bills?accountId=${accountId}&status=unpaid,overdue`)).items;
    // The bill not yet overdue, so no late fee accrues between reading it and paying it; else the overdue one at its fee.
    bill = owed.find((b) => b.status === 'unpaid') ?? owed[0];
    check(bill, `the API lists no bill owed on ${ACCOUNT_NO}`);
    await onPage(e2e.page, 'page-bills', `#bill-${bill.id}`).waitFor();
    return `${bill.period} (${bill.status}): ${bill.amountFen} fen + late fee ${bill.lateFeeFen} fen`;
  });

  await e2e.step('console-sign-in', async () => {
    const page = await openRoute(e2e, '/pages/staff/login/index', DESK_SCREEN);
    await onPage(page, 'page-staff-login').waitFor();
    await onPage(page, 'page-staff-login', '#staff-username input').fill(SUPERVISOR.username);
    await onPage(page, 'page-staff-login', '#staff-password input').fill(SUPERVISOR.password);
    await onPage(page, 'page-staff-login', '#staff-login-submit').click();
    await onPage(page, 'page-staff-queue', '#staff-who').filter({ hasText: SUPERVISOR.jobNo }).waitFor();
  });

  await e2e.step('imports-page', async () => {
    await onPage(e2e.page, 'page-staff-queue', '#staff-nav-imports').click();
    await onPage(e2e.page, 'page-staff-imports', '#imports-template').waitFor();
    await onPage(e2e.page, 'page-staff-imports', '#imports-file-input').waitFor({ state: 'attached' });
    // The template comes with the console's token, as a download.
    const [download] = await Promise.all([e2e.page.waitForEvent('download'), onPage(e2e.page, 'page-staff-imports', '#imports-template').click()]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const template = Buffer.concat(chunks);
    check(template[0] === 0xef && template[1] === 0xbb && template[2] === 0xbf, 'the template has no UTF-8 BOM');
    check(template.toString('utf8').includes('记录类型(type)'), 'the template has no 记录类型(type) column');
    return `template ${download.suggestedFilename()} (${template.length} bytes)`;
  });

  const fileName = `柜台缴费-${ACCOUNT_NO}.csv`;
  await e2e.step('csv-chosen', async () => {
    const b = bill!;
    const billId = `B${ACCOUNT_NO}${b.period.replace('-', '')}`;
    const header = ['记录类型(type)', '编号(id)', '版本(version)', '户号(accountNo)', '缴费渠道(channel)', '缴费时间(paidAt)', '金额(分)(amountFen)', '所缴账单(bills)'];
    const row = ['payment', `P-E2E-${billId}`, 1, ACCOUNT_NO, 'counter', businessNow(), b.amountFen + b.lateFeeFen, `${billId}:${b.lateFeeFen}`];
    const text = `\uFEFF${header.map(cell).join(',')}\r\n${row.map(cell).join(',')}\r\n`;
    await onPage(e2e.page, 'page-staff-imports', '#imports-file-input').setInputFiles({ name: fileName, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });
    await onPage(e2e.page, 'page-staff-imports', '#imports-file-chosen').filter({ hasText: fileName }).waitFor();
    return `${billId}: ${b.amountFen + b.lateFeeFen} fen at the counter`;
  });

  await e2e.step('import-done', async () => {
    await onPage(e2e.page, 'page-staff-imports', '#imports-upload').click();
    const progress = onPage(e2e.page, 'page-staff-imports', '#import-progress');
    await progress.waitFor();
    await onPage(e2e.page, 'page-staff-imports', '#import-progress[data-status="done"]').waitFor({ timeout: 30_000 });
    const accepted = (await onPage(e2e.page, 'page-staff-imports', '#import-accepted').innerText()).trim();
    const rejected = (await onPage(e2e.page, 'page-staff-imports', '#import-rejected').innerText()).trim();
    check(accepted === '1' && rejected === '0', `the progress shows ${accepted} imported, ${rejected} refused`);
    const percent = (await onPage(e2e.page, 'page-staff-imports', '#import-progress-text').innerText()).trim();
    check(percent.startsWith('100%'), `the progress reads "${percent}"`);
    const imports = await api<ImportJson[]>(e2e.base, '/api/v1/staff/billing/imports', await staffToken(e2e.page));
    const mine = imports[0];
    check(mine && mine.source === 'csv' && mine.batchId === fileName, `GET /api/v1/staff/billing/imports: ${JSON.stringify(imports[0])}`);
    check(mine.status === 'done' && mine.accepted === 1 && mine.rejected === 0, `the API says import #${mine.id} is ${JSON.stringify(mine)}`);
    // The recent imports list has it too.
    await onPage(e2e.page, 'page-staff-imports', `#import-${mine.id}`).filter({ hasText: fileName }).waitFor();
    return `import #${mine.id}: ${accepted} imported`;
  });

  await e2e.step('bill-no-longer-owed', async () => {
    const b = bill!;
    const page = await openRoute(e2e, '/pages/bills/index', PHONE_SCREEN);
    await onPage(page, 'page-bills').waitFor();
    await onPage(page, 'page-bills', '#bills-arrears-total').waitFor();
    await onPage(page, 'page-bills', `#bill-${b.id}`).waitFor({ state: 'detached' });
    const after = await api<BillJson>(e2e.base, `/api/v1/bills/${b.id}`, subscriberToken);
    check(after.status === 'paid' && after.paidElsewhere?.channel === 'counter', `the API says bill ${b.id} is ${after.status}, paid elsewhere: ${JSON.stringify(after.paidElsewhere)}`);
    return `${b.period}: paid at ${after.paidElsewhere.channelName}`;
  });
}

runE2E({ name: 'billing import in the staff console', artifactsSubdir: 'billing-import', run: journey });
