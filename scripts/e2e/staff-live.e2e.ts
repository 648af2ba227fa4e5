/**
 * Browser journey of the live staff console (issue 24, "Live"), on the H5 build at 1366×800 against
 * the real server (embedded database, demo data). The harness is ./harness.ts.
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npx tsx scripts/e2e/staff-live.e2e.ts
 *
 * Agent 王芳 has the queue open. A subscriber files two tickets through the API: each appears in the
 * open queue without a reload (the page is the same document throughout), marked 新, counted on the
 * queue link's badge and in the tab title. She opens one; the subscriber urges it; the urge shows on
 * the open ticket without a reload. The new-ticket sound is off by default and, turned on, stays on
 * after a reload. The harness fails the journey on any console error or CSP violation (the stream
 * is an EventSource under the site's connect-src). Screenshots: artifacts/e2e/staff-live/.
 */
import type { Page } from 'playwright-core';
import { api, check, DESK, onPage, openRoute, runE2E, settle, signInConsole, type E2E } from './harness';

/** README.md, "Demo data". */
const AGENT = { username: 'agent1', password: 'Agent#2026', jobNo: 'KF1001' };
const SUBSCRIBER = { phone: '13800000001', accountNo: '1000000001', holder: '张三', areaName: '上城区' };
/** How long a change may take to reach the open page (commit → bus → stream → list reload). */
const LIVE_WAIT_MS = 8_000;

interface LiveWindow {
  document: { title: string };
  __liveJourneyMarker?: string;
}

/** A subscriber signed in through the API, by the SMS sandbox's code. */
async function subscriberToken(e2e: E2E, phone: string): Promise<string> {
  await api(e2e.base, '/api/v1/auth/sms/send', undefined, { method: 'POST', body: { phone } });
  const messages = await api<{ text: string }[]>(e2e.base, `/sandbox/sms?phone=${phone}`);
  const code = /(?<!\d)(\d{6})(?!\d)/.exec(messages[messages.length - 1]?.text ?? '')?.[1];
  check(code, `no SMS code for ${phone}`);
  const session = await api<{ token: string }>(e2e.base, '/api/v1/auth/sms/login', undefined, { method: 'POST', body: { phone, code } });
  return session.token;
}

/** Marks the document: a reload or navigation away and back would lose the mark. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as LiveWindow).__liveJourneyMarker = 'still-here';
  });
}

async function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as LiveWindow).__liveJourneyMarker === 'still-here');
}

async function title(page: Page): Promise<string> {
  return page.evaluate(() => (globalThis as unknown as LiveWindow).document.title);
}

async function journey(e2e: E2E): Promise<void> {
  let page!: Page;
  let subscriber = '';
  let accountId = 0;
  await e2e.step('queue-open-and-live', async () => {
    await e2e.openBrowser('/');
    subscriber = await subscriberToken(e2e, SUBSCRIBER.phone);
    accountId = (await api<{ id: number }>(e2e.base, '/api/v1/accounts/bind', subscriber, { method: 'POST', body: { accountNo: SUBSCRIBER.accountNo, holderName: SUBSCRIBER.holder } })).id;
    page = await signInConsole(e2e, AGENT);
    await onPage(page, 'page-staff-queue', '#staff-live-status').filter({ hasText: '实时更新中' }).waitFor();
    check((await onPage(page, 'page-staff-queue', '#staff-new-badge').count()) === 0, 'a new-ticket badge before any ticket was filed');
    const sound = await onPage(page, 'page-staff-queue', '#staff-live-sound').innerText();
    check(sound.includes('关'), `the new-ticket sound is "${sound}" by default, expected off`);
    await markDocument(page);
    return `connected; ${await onPage(page, 'page-staff-queue', '.queue-row').count()} rows before`;
  });

  const filed: number[] = [];
  await e2e.step('filed-ticket-appears-without-reload', async () => {
    const t = await api<{ id: number }>(e2e.base, '/api/v1/tickets', subscriber, {
      method: 'POST',
      body: { type: 'fault', accountId, description: '机顶盒无信号，电视黑屏', contactPhone: SUBSCRIBER.phone },
    });
    filed.push(t.id);
    const row = onPage(page, 'page-staff-queue', `#queue-ticket-${t.id}`);
    const started = Date.now();
    await row.waitFor({ timeout: LIVE_WAIT_MS });
    const ms = Date.now() - started;
    check(await sameDocument(page), 'the page was reloaded to show the ticket');
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    check(text.includes('新') && text.includes(SUBSCRIBER.areaName) && text.includes(SUBSCRIBER.accountNo), `the new row reads "${text}"`);
    await onPage(page, 'page-staff-queue', '#staff-new-badge').filter({ hasText: /^1$/ }).waitFor();
    const t1 = await title(page);
    check(t1.startsWith('(1) '), `the tab title is "${t1}", expected the count of new tickets in front`);
    await settle(page);
    return `#${t.id} in the open queue after ${ms} ms; badge 1; title "${t1}"`;
  });

  await e2e.step('second-ticket-counted', async () => {
    const t = await api<{ id: number }>(e2e.base, '/api/v1/tickets', subscriber, {
      method: 'POST',
      body: { type: 'complaint', accountId, description: '营业厅排队时间过长', contactPhone: SUBSCRIBER.phone },
    });
    filed.push(t.id);
    await onPage(page, 'page-staff-queue', `#queue-ticket-${t.id}`).waitFor({ timeout: LIVE_WAIT_MS });
    await onPage(page, 'page-staff-queue', '#staff-new-badge').filter({ hasText: /^2$/ }).waitFor();
    check(await sameDocument(page), 'the page was reloaded');
    const t2 = await title(page);
    check(t2.startsWith('(2) '), `the tab title is "${t2}"`);
    await settle(page);
    return `#${t.id} too; badge 2`;
  });

  await e2e.step('open-ticket-shows-urge-live', async () => {
    const id = filed[0];
    await onPage(page, 'page-staff-queue', `#queue-ticket-${id}`).click();
    const ticketPage = onPage(page, 'page-staff-ticket');
    await ticketPage.first().waitFor();
    await onPage(page, 'page-staff-ticket', '.timeline, .ticket-timeline').first().waitFor().catch(() => undefined);
    const before = await ticketPage.first().innerText();
    check(!before.includes('用户已催办'), 'the ticket shows an urge before the subscriber urged');
    // Badge still counts on the ticket page: the same shell, the same connection.
    await onPage(page, 'page-staff-ticket', '#staff-new-badge').filter({ hasText: /^2$/ }).waitFor();
    await api(e2e.base, `/api/v1/tickets/${id}/urge`, subscriber, { method: 'POST' });
    await onPage(page, 'page-staff-ticket').filter({ hasText: '用户已催办' }).first().waitFor({ timeout: LIVE_WAIT_MS });
    check(await sameDocument(page), 'the page was reloaded to show the urge');
    await settle(page);
    return `the urge on #${id} shown on the open ticket`;
  });

  await e2e.step('sound-toggle-remembered', async () => {
    await onPage(page, 'page-staff-ticket', '#staff-live-sound').click();
    await onPage(page, 'page-staff-ticket', '#staff-live-sound').filter({ hasText: '开' }).waitFor();
    page = await openRoute(e2e, '/pages/staff/queue/index', DESK);
    await onPage(page, 'page-staff-queue', '#staff-live-status').filter({ hasText: '实时更新中' }).waitFor();
    const sound = await onPage(page, 'page-staff-queue', '#staff-live-sound').innerText();
    check(sound.includes('开'), `after a reload the sound toggle reads "${sound}"`);
    // A fresh load of the queue: the count starts over.
    check((await onPage(page, 'page-staff-queue', '#staff-new-badge').count()) === 0, 'the badge survived a fresh load of the queue');
    return 'on, and still on after a reload; badge reset';
  });
}

runE2E({ name: 'the live staff console', artifactsSubdir: 'staff-live', run: journey });
