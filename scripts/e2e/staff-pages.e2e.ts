/**
 * Browser journeys of the console pages that had none (issue 24), on the H5 build at 1366×800,
 * against the real server on a fresh embedded database with the demo data (harness: ./harness.ts).
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npx tsx scripts/e2e/staff-pages.e2e.ts
 *
 * 张三 (13800000001) files a fault through the API; agent 王芳 claims and resolves it; he rates it
 * 2 stars, which asks for a callback. The sandbox SMS gateway reports each notice delivered (its
 * signed status report). In the console: the search box finds him by phone and opens
 * his subscriber page (his account, the ticket with its rating, the notices sent to him and whether
 * each was delivered, masked; the opening audit-logged), which links to the account page (its notices
 * too). She records the callback (回访) on the callbacks page, then the callback of 孙七's prepaid
 * account suspended for arrears (停机回访: arrears, balance history, "will pay"). A supervisor declares an area outage
 * on the outages page, opens the dashboard, then reconciliation on its own page and reruns a day.
 * An administrator edits a published fee schedule on the content page. Screenshots:
 * artifacts/e2e/staff-pages/.
 */
import type { Page } from 'playwright-core';
import { addDays, businessDate } from '../../shared/src/time';
import { api, check, onPage, runE2E, settle, signInConsole, typeInto, type E2E } from './harness';

/** README.md, "Demo data". */
const AGENT = { username: 'agent1', password: 'Agent#2026', name: '王芳', jobNo: 'KF1001' };
const SUPERVISOR = { username: 'supervisor1', password: 'Super#2026', jobNo: 'KF2001' };
const ADMIN = { username: 'admin1', password: 'Admin#2026', jobNo: 'KF9001' };
const ZHANG = { phone: '13800000001', accountNo: '1000000001', holder: '张三', masked: '张*', phoneMasked: '138****0001' };
/** README.md, "Demo data": suspended for arrears five days ago, owing 28.00, in the callback queue. */
const SUN = { accountNo: '3000000002', arrears: '¥28.00' };

async function subscriberToken(e2e: E2E, phone: string): Promise<string> {
  await api(e2e.base, '/api/v1/auth/sms/send', undefined, { method: 'POST', body: { phone } });
  const messages = await api<{ text: string }[]>(e2e.base, `/sandbox/sms?phone=${phone}`);
  const code = /(?<!\d)(\d{6})(?!\d)/.exec(messages.find((m) => /验证码/.test(m.text))?.text ?? messages[0]?.text ?? '')?.[1];
  check(code, `no SMS code for ${phone}`);
  return (await api<{ token: string }>(e2e.base, '/api/v1/auth/sms/login', undefined, { method: 'POST', body: { phone, code } })).token;
}

async function staffApiToken(e2e: E2E, who: { username: string; password: string }): Promise<string> {
  return (await api<{ token: string }>(e2e.base, '/api/v1/staff/auth/login', undefined, { method: 'POST', body: { username: who.username, password: who.password } })).token;
}


const flat = (s: string) => s.replace(/\s+/g, ' ');

async function journey(e2e: E2E): Promise<void> {
  let ticketId = 0;
  let userId = 0;
  await e2e.step('ticket-filed-resolved-rated', async () => {
    await e2e.openBrowser('/');
    const token = await subscriberToken(e2e, ZHANG.phone);
    userId = (await api<{ id: number }>(e2e.base, '/api/v1/me', token)).id;
    const account = await api<{ id: number }>(e2e.base, '/api/v1/accounts/bind', token, { method: 'POST', body: { accountNo: ZHANG.accountNo, holderName: ZHANG.holder } });
    ticketId = (await api<{ id: number }>(e2e.base, '/api/v1/tickets', token, { method: 'POST', body: { type: 'fault', accountId: account.id, description: '水压太低，楼上没水', contactPhone: ZHANG.phone } })).id;
    const agent = await staffApiToken(e2e, AGENT);
    await api(e2e.base, `/api/v1/staff/tickets/${ticketId}/claim`, agent, { method: 'POST' });
    await api(e2e.base, `/api/v1/staff/tickets/${ticketId}/resolve`, agent, { method: 'POST', body: { message: '已更换减压阀，水压恢复' } });
    await api(e2e.base, `/api/v1/tickets/${ticketId}/rating`, token, { method: 'POST', body: { stars: 2, comment: '修得太慢' } });
    // The notices (accepted, resolved, rating asked) go out through the outbox within seconds, and
    // the sandbox gateway's status report for each comes about 2 s after it was sent.
    const deadline = Date.now() + 20_000;
    let delivered = 0;
    while (Date.now() < deadline) {
      const v = await api<{ notifications: { status: string }[] }>(e2e.base, `/api/v1/staff/subscribers/${userId}`, agent);
      delivered = v.notifications.filter((n) => n.status === 'delivered').length;
      if (delivered >= 3) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    check(delivered >= 3, `${delivered} notices reported delivered to the subscriber after 20 s, expected 3`);
    return `ticket #${ticketId} rated 2★, ${delivered} notices delivered`;
  });

  let page!: Page;
  await e2e.step('subscriber-page-from-search', async () => {
    page = await signInConsole(e2e, AGENT);
    await page.keyboard.press('/');
    await page.keyboard.type(ZHANG.phone);
    await page.keyboard.press('Enter');
    await onPage(page, 'page-staff-queue', `#staff-search-user-${userId}-open`).click();
    const facts = onPage(page, 'page-staff-subscriber', '#staff-subscriber-facts');
    await facts.waitFor();
    const text = flat(await onPage(page, 'page-staff-subscriber').innerText());
    check(text.includes(`手机 ${ZHANG.phoneMasked}`), `the subscriber page reads "${text.slice(0, 200)}"`);
    for (const leak of [ZHANG.phone, ZHANG.holder]) check(!text.includes(leak), `the subscriber page shows "${leak}"`);
    const account = flat(await onPage(page, 'page-staff-subscriber', `#staff-subscriber-account-${ZHANG.accountNo}`).innerText());
    check(account.includes(ZHANG.masked), `the bound account reads "${account}"`);
    const ticket = flat(await onPage(page, 'page-staff-subscriber', `#staff-subscriber-ticket-${ticketId}`).innerText());
    check(ticket.includes('★★ 修得太慢') && ticket.includes('待回访'), `the ticket row reads "${ticket}"`);
    const notices = flat(await onPage(page, 'page-staff-subscriber', '#staff-subscriber-notifications').innerText());
    check(notices.includes('工单受理通知') && notices.includes('处理结果通知') && notices.includes('短信') && notices.includes('已送达'), `the notices read "${notices}"`);
    const admin = await staffApiToken(e2e, ADMIN);
    const log = await api<{ items: { action: string }[] }>(e2e.base, '/api/v1/staff/audit-log?entityType=portal_user&pageSize=20', admin);
    check(log.items.some((a) => a.action === 'subscriber.view'), `the audit log has no subscriber.view: ${JSON.stringify(log.items.slice(0, 3))}`);
    return notices.slice(0, 120);
  });

  await e2e.step('account-page-with-notices', async () => {
    await onPage(page, 'page-staff-subscriber', `#staff-subscriber-account-${ZHANG.accountNo}`).click();
    const notices = onPage(page, 'page-staff-account', '#staff-account-notifications');
    await notices.waitFor();
    const text = flat(await notices.innerText());
    check(text.includes('工单受理通知') && text.includes('已送达'), `the account page's notices read "${text}"`);
    // And back to the subscriber from the account's bindings.
    await onPage(page, 'page-staff-account', `#staff-account-user-${userId}`).click();
    await onPage(page, 'page-staff-subscriber', '#staff-subscriber-facts').waitFor();
    return text.slice(0, 120);
  });

  await e2e.step('callback-recorded', async () => {
    await onPage(page, 'page-staff-subscriber', '#staff-nav-callbacks').click();
    const task = onPage(page, 'page-staff-callbacks', '.callback-task').filter({ hasText: `工单 #${ticketId}` });
    await task.waitFor();
    const id = (await task.getAttribute('id'))!;
    await onPage(page, 'page-staff-callbacks', `#${id}-outcome-satisfied`).click();
    await onPage(page, 'page-staff-callbacks', `#${id}-stars-4`).click();
    await onPage(page, 'page-staff-callbacks', `#${id} .callback-task__submit`).click();
    await onPage(page, 'page-staff-callbacks', `#${id}`).waitFor({ state: 'detached' });
    const agent = await staffApiToken(e2e, AGENT);
    const done = await api<{ items: { ticketId: number; outcome: string | null }[] }>(e2e.base, '/api/v1/staff/callbacks?status=done&pageSize=50', agent);
    const mine = done.items.find((c) => c.ticketId === ticketId);
    check(mine?.outcome === 'satisfied', `the callback of #${ticketId} is ${JSON.stringify(mine)}`);
    return `${id} done: satisfied, 4★`;
  });

  await e2e.step('suspension-callback-recorded', async () => {
    // The suspension callback job opens the task 20 s after the server starts (then every 5 minutes).
    const agent = await staffApiToken(e2e, AGENT);
    const queued = async () => (await api<{ items: { accountNo: string }[] }>(e2e.base, '/api/v1/staff/suspension-callbacks?pageSize=50', agent)).items.some((c) => c.accountNo === SUN.accountNo);
    const deadline = Date.now() + 45_000;
    while (!(await queued()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    check(await queued(), `no suspension callback task for ${SUN.accountNo} 45 s after start`);
    await onPage(page, 'page-staff-callbacks', '#staff-nav-suspensions').click();
    const task = onPage(page, 'page-staff-suspensions', '.suspension-task').filter({ hasText: `户号 ${SUN.accountNo}` });
    await task.waitFor();
    const id = (await task.getAttribute('id'))!;
    const text = flat(await task.innerText());
    check(text.includes(`欠费 ${SUN.arrears}`) && text.includes('停机于'), `the suspension task reads "${text}"`);
    // Its balance history, newest first, opened under the task.
    await onPage(page, 'page-staff-suspensions', `#${id} .suspension-task__ledger-toggle`).click();
    await onPage(page, 'page-staff-suspensions', `#${id} .ledger-row`).first().waitFor();
    const entries = await onPage(page, 'page-staff-suspensions', `#${id} .ledger-row`).count();
    // Submitting without an outcome is refused on the page.
    await onPage(page, 'page-staff-suspensions', `#${id} .callback-task__submit`).click();
    const error = onPage(page, 'page-staff-suspensions', `#${id} .suspension-task__error`);
    await error.waitFor();
    check((await error.innerText()).includes('请选择回访结果'), `no outcome chosen says "${await error.innerText()}"`);
    await onPage(page, 'page-staff-suspensions', `#${id}-outcome-will_pay`).click();
    await onPage(page, 'page-staff-suspensions', `#${id} .callback-task__note textarea`).fill('用户本周内充值');
    await onPage(page, 'page-staff-suspensions', `#${id} .callback-task__submit`).click();
    await onPage(page, 'page-staff-suspensions', `#${id}`).waitFor({ state: 'detached' });
    // It is under 已回访 now, with what the call found.
    await onPage(page, 'page-staff-suspensions', '#suspensions-status-done').click();
    const done = onPage(page, 'page-staff-suspensions', `#${id} .suspension-task__result`);
    await done.waitFor();
    const result = flat(await done.innerText());
    check(result.includes('用户本周内充值'), `the recorded callback reads "${result}"`);
    const listed = await api<{ items: { accountNo: string; status: string; outcome: string | null }[] }>(e2e.base, '/api/v1/staff/suspension-callbacks?status=done&pageSize=50', agent);
    const mine = listed.items.find((c) => c.accountNo === SUN.accountNo);
    check(mine?.outcome === 'will_pay', `the suspension callback of ${SUN.accountNo} is ${JSON.stringify(mine)}`);
    return `${id}: ${entries} balance entries; done: ${result}`;
  });

  await e2e.step('outage-declared', async () => {
    page = await signInConsole(e2e, SUPERVISOR);
    await onPage(page, 'page-staff-queue', '#staff-nav-outages').click();
    await onPage(page, 'page-staff-outages', '#outage-declare-open').click();
    await onPage(page, 'page-staff-outages', '#outage-area').click();
    await page.locator('.weui-picker__action').filter({ hasText: '确定' }).click();
    await onPage(page, 'page-staff-outages', '#outage-service-water').click();
    await typeInto(page, 'page-staff-outages', 'outage-scope', '解放路 1–99 号');
    await onPage(page, 'page-staff-outages', '#outage-cause textarea').fill('主管道爆裂，正在抢修');
    await typeInto(page, 'page-staff-outages', 'outage-eta', `${addDays(businessDate(new Date()), 1)} 18:00`);
    await onPage(page, 'page-staff-outages', '#outage-declare-submit').click();
    const row = onPage(page, 'page-staff-outages', '[id^="outage-"]').filter({ hasText: '主管道爆裂' }).first();
    await row.waitFor();
    const text = flat(await row.innerText());
    check(!/\b[a-z]+cheng\b|xihu|binjiang/.test(text), `the outage row shows an area code: "${text}"`);
    return text.slice(0, 120);
  });

  await e2e.step('dashboard', async () => {
    await onPage(page, 'page-staff-outages', '#staff-nav-dashboard').click();
    await onPage(page, 'page-staff-dashboard', '#dashboard-metrics .metrics-row').first().waitFor();
    const text = flat(await onPage(page, 'page-staff-dashboard').innerText());
    check(text.includes('续费率'), 'the dashboard has no renewal figures');
    check((await onPage(page, 'page-staff-dashboard', '#recon-runs, #recon-diffs').count()) === 0, 'the dashboard still carries reconciliation');
    return `${await onPage(page, 'page-staff-dashboard', '#dashboard-metrics .metrics-row').count()} area rows`;
  });

  await e2e.step('reconciliation-page', async () => {
    await onPage(page, 'page-staff-dashboard', '#staff-nav-reconciliation').click();
    await onPage(page, 'page-staff-reconciliation', '#recon-run-date').waitFor();
    await onPage(page, 'page-staff-reconciliation', '#recon-rerun').click();
    const result = onPage(page, 'page-staff-reconciliation', '#recon-rerun-result');
    await result.waitFor({ timeout: 30_000 });
    const text = flat(await result.innerText());
    check(text.includes('已重新对账') || text.includes('重新对账失败'), `the rerun says "${text}"`);
    await settle(page);
    return text.slice(0, 140);
  });

  await e2e.step('content-edited', async () => {
    page = await signInConsole(e2e, ADMIN);
    await onPage(page, 'page-staff-queue', '#staff-nav-content').click();
    const first = onPage(page, 'page-staff-content', '.content-row').first();
    await first.waitFor();
    await first.locator('.content-edit').click();
    const name = onPage(page, 'page-staff-content', '#content-field-name input');
    const before = await name.inputValue();
    const after = `${before.replace(/（已核对）$/, '')}（已核对）`;
    await name.fill(after);
    await onPage(page, 'page-staff-content', '#content-submit').click();
    await onPage(page, 'page-staff-content', '#content-saved').waitFor();
    await onPage(page, 'page-staff-content', '.content-row').filter({ hasText: after }).first().waitFor();
    return `"${before}" → "${after}"`;
  });
}

runE2E({ name: 'the console pages', artifactsSubdir: 'staff-pages', run: journey });
