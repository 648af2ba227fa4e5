/**
 * Browser journey of tickets from the hotline and the counter (issue 24), on the H5 build at
 * 1366×800, against the real server on a fresh embedded database with the demo data. The harness
 * is ./harness.ts.
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npx tsx scripts/e2e/staff-hotline.e2e.ts
 *
 * Agent 王芳 answers a call: from the queue's 新建工单 she types the caller's account number (王五's,
 * which nobody has bound in the portal), sees the holder masked and that notices will go by SMS,
 * files a fault with the caller's mobile, and finds it in the queue as hers, marked 来电, on the
 * 24-hour clock; its timeline says in the third person that she took the call. From the account
 * page, 新建工单 opens with the number filled in, and a visitor's complaint is filed 来访; the
 * account page lists both with their channel. Screenshots: artifacts/e2e/staff-hotline/.
 */
import type { Page } from 'playwright-core';
import { api, check, DESK, onPage, openRoute, runE2E, settle, signInConsole, staffToken, typeInto, type E2E } from './harness';

/** README.md, "Demo data". */
const AGENT = { username: 'agent1', password: 'Agent#2026', name: '王芳', jobNo: 'KF1001' };
/** A demo account nobody binds in this journey: the caller has no portal user. */
const CALLER = { accountNo: '1000000002', holder: '王五', masked: '王*', phone: '13755556666' };

interface Ticket {
  id: number;
  channel: string;
  status: string;
  userId: number | null;
  owner: { jobNo: string } | null;
  clock: { commitmentCode: string; targetAmount: number } | null;
}


/** Types into a Taro `<Textarea id=…>`. */
async function typeInArea(page: Page, pageId: string, id: string, text: string): Promise<void> {
  const area = onPage(page, pageId, `#${id} textarea, textarea#${id}`).first();
  await area.waitFor({ state: 'visible' });
  await area.fill(text);
}

async function journey(e2e: E2E): Promise<void> {
  let page!: Page;
  let hotlineId = 0;
  await e2e.step('hotline-ticket-filed', async () => {
    await e2e.openBrowser('/');
    page = await signInConsole(e2e, AGENT);
    await onPage(page, 'page-staff-queue', '#queue-new-ticket').click();
    const P = 'page-staff-new-ticket';
    await onPage(page, P, '#new-ticket-form').waitFor();
    await typeInto(page, P, 'new-ticket-account', CALLER.accountNo);
    await onPage(page, P, '#new-ticket-lookup').click();
    const facts = onPage(page, P, '#new-ticket-account-facts');
    await facts.filter({ hasText: `户主 ${CALLER.masked}` }).waitFor();
    const factsText = await facts.innerText();
    check(factsText.includes('未绑定网厅用户') && !factsText.includes(CALLER.holder), `the account facts read "${factsText}"`);
    await onPage(page, P, '#new-ticket-type-fault').click();
    await typeInArea(page, P, 'new-ticket-description', '来电反映家中停水，邻居家也没有水');
    await typeInto(page, P, 'new-ticket-phone', CALLER.phone);
    await settle(page);
    await onPage(page, P, '#new-ticket-submit').click();
    const filed = onPage(page, P, '#new-ticket-filed');
    await filed.filter({ hasText: '已登记工单 #' }).waitFor();
    const text = await filed.innerText();
    hotlineId = Number(/#(\d+)/.exec(text)?.[1]);
    check(hotlineId > 0 && text.includes('来电') && text.includes('首问负责人'), `the filing says "${text}"`);
    const t = await api<Ticket>(e2e.base, `/api/v1/staff/tickets/${hotlineId}`, await staffToken(page));
    check(t.channel === 'hotline' && t.status === 'accepted' && t.userId === null && t.owner?.jobNo === AGENT.jobNo, `the ticket is ${JSON.stringify(t)}`);
    check(t.clock?.commitmentCode === 'fault_ordinary' && t.clock.targetAmount === 24, `the ticket's clock is ${JSON.stringify(t.clock)}`);
    return `#${hotlineId} on ${CALLER.accountNo}, hotline, owned by ${AGENT.jobNo}`;
  });

  await e2e.step('hotline-ticket-in-the-queue', async () => {
    await onPage(page, 'page-staff-new-ticket', '#new-ticket-queue').click();
    await onPage(page, 'page-staff-queue', '#queue-assigned').selectOption('mine');
    const row = onPage(page, 'page-staff-queue', `#queue-ticket-${hotlineId}`);
    await row.waitFor();
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    check(text.includes('来电') && text.includes(CALLER.accountNo) && text.includes(AGENT.name) && text.includes('137****6666'), `the queue row reads "${text}"`);
    check(!text.includes(CALLER.holder) && !text.includes(CALLER.phone), `the queue row shows the holder or phone unmasked: "${text}"`);
    await row.click();
    const ticketPage = onPage(page, 'page-staff-ticket');
    await ticketPage.filter({ hasText: `坐席 ${AGENT.name}（工号 ${AGENT.jobNo}）受理来电` }).first().waitFor();
    const channel = await onPage(page, 'page-staff-ticket', '#staff-ticket-channel').innerText();
    check(channel.startsWith('来电') && channel.includes('短信'), `the ticket page's channel reads "${channel}"`);
    return `row: ${text}`;
  });

  await e2e.step('counter-ticket-from-the-account-page', async () => {
    page = await openRoute(e2e, `/pages/staff/account/index?no=${CALLER.accountNo}`, DESK);
    await onPage(page, 'page-staff-account', '#staff-account-facts').waitFor();
    await onPage(page, 'page-staff-account', '#staff-account-new-ticket').click();
    const P = 'page-staff-new-ticket';
    await onPage(page, P, '#new-ticket-account-facts').filter({ hasText: `户主 ${CALLER.masked}` }).waitFor();
    const prefilled = await onPage(page, P, '#new-ticket-account input').inputValue();
    check(prefilled === CALLER.accountNo, `the account number is prefilled as "${prefilled}"`);
    await onPage(page, P, '#new-ticket-channel-counter').click();
    await onPage(page, P, '#new-ticket-type-complaint').click();
    await typeInArea(page, P, 'new-ticket-description', '营业厅窗口来访：抄表员上门态度差');
    await typeInto(page, P, 'new-ticket-phone', CALLER.phone);
    await onPage(page, P, '#new-ticket-submit').click();
    const filed = onPage(page, P, '#new-ticket-filed');
    await filed.filter({ hasText: '来访 · 投诉' }).waitFor();
    const counterId = Number(/#(\d+)/.exec(await filed.innerText())?.[1]);
    page = await openRoute(e2e, `/pages/staff/account/index?no=${CALLER.accountNo}`, DESK);
    const hotlineRow = onPage(page, 'page-staff-account', `#staff-account-ticket-${hotlineId}`);
    await hotlineRow.filter({ hasText: '来电' }).waitFor();
    await onPage(page, 'page-staff-account', `#staff-account-ticket-${counterId}`).filter({ hasText: '来访' }).waitFor();
    return `#${counterId} filed at the counter; the account page lists #${hotlineId} 来电 and #${counterId} 来访`;
  });
}

runE2E({ name: 'tickets from the hotline and the counter', artifactsSubdir: 'staff-hotline', run: journey });
