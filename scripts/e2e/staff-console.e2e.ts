/**
 * Browser journey of the staff console at a desk (issue 24), on the H5 build at 1366×800, against
 * the real server on a fresh embedded database with the demo data. The harness is ./harness.ts.
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npx tsx scripts/e2e/staff-console.e2e.ts
 *
 * Two subscribers file 26 tickets through the API (one urges his). Agent 王芳 signs in: the console
 * is sized for a desk (14 px text, not the phone design's 28), the queue is a table of at least 25
 * rows on the first screen, with area names, account numbers and masked subscribers, the urged ticket
 * marked. From the keyboard she moves down the rows, claims one (c) and opens one (Enter). Filters
 * live in the address: a reload keeps them. A supervisor's dashboard fits the screen, area names on
 * one line. From the ticket page, "/" and a phone number find the caller's account and tickets, masked,
 * and a ticket number opens that ticket; an account number opens the account whole (bindings, bills,
 * tickets…, masked, audit-logged). A subscriber page afterwards keeps the phone scaling. Screenshots: artifacts/e2e/staff-console/.
 */
import type { Page } from 'playwright-core';
import { api, check, DESK, onPage, openRoute, runE2E, settle, signInConsole, sleep, staffToken, type E2E } from './harness';

/** README.md, "Demo data"; the demo fixtures' accounts and holders. */
const AGENT = { username: 'agent1', password: 'Agent#2026', name: '王芳', jobNo: 'KF1001' };
const SUPERVISOR = { username: 'supervisor1', password: 'Super#2026', jobNo: 'KF2001' };
const SUBSCRIBERS = [
  { phone: '13800000001', accountNo: '1000000001', holder: '张三', masked: '张*', areaName: '上城区', areaCode: 'shangcheng' },
  { phone: '13800000002', accountNo: '2000000001', holder: '李四', masked: '李*', areaName: '西湖区', areaCode: 'xihu' },
];
const TICKETS_EACH = 13;

interface Ticket {
  id: number;
  status: string;
  ownerStaffId: number | null;
  owner: { jobNo: string } | null;
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

/** Computed style values of the first element matching `selector`. */
async function styleOf(page: Page, selector: string, props: string[]): Promise<Record<string, string>> {
  return page.evaluate(
    ({ selector: sel, props: names }) => {
      const g = globalThis as unknown as { document: { querySelector(s: string): unknown }; getComputedStyle(e: unknown): Record<string, string> };
      const el = g.document.querySelector(sel);
      if (!el) return {};
      const style = g.getComputedStyle(el);
      return Object.fromEntries(names.map((n) => [n, style[n]]));
    },
    { selector, props },
  );
}


async function journey(e2e: E2E): Promise<void> {
  const ticketIds: number[] = [];
  let urged = 0;
  await e2e.step('tickets-filed', async () => {
    await e2e.openBrowser('/');
    for (const s of SUBSCRIBERS) {
      const token = await subscriberToken(e2e, s.phone);
      const account = await api<{ id: number }>(e2e.base, '/api/v1/accounts/bind', token, { method: 'POST', body: { accountNo: s.accountNo, holderName: s.holder } });
      for (let i = 0; i < TICKETS_EACH; i++) {
        const t = await api<{ id: number }>(e2e.base, '/api/v1/tickets', token, {
          method: 'POST',
          body: { type: 'fault', accountId: account.id, description: `宽带时断时续，第${i + 1}次报修`, contactPhone: s.phone },
        });
        ticketIds.push(t.id);
      }
      if (!urged) {
        urged = ticketIds[ticketIds.length - 1];
        await api(e2e.base, `/api/v1/tickets/${urged}/urge`, token, { method: 'POST' });
      }
    }
    return `${ticketIds.length} tickets, #${urged} urged`;
  });

  let page!: Page;
  await e2e.step('console-sized-for-a-desk', async () => {
    page = await signInConsole(e2e, AGENT);
    await onPage(page, 'page-staff-queue', '.queue-row').first().waitFor();
    await settle(page);
    const root = await styleOf(page, 'html', ['fontSize']);
    const body = await styleOf(page, '#page-staff-queue', ['fontSize']);
    const button = await styleOf(page, '#queue-refresh', ['fontSize']);
    check(root.fontSize === '20px', `the console's root font size is ${root.fontSize}, expected 20px (one design px = half a CSS px)`);
    check(body.fontSize === '14px', `the console's body text is ${body.fontSize} at ${DESK.width}×${DESK.height}, expected 14px`);
    const buttonPx = Number.parseFloat(button.fontSize ?? '0');
    check(buttonPx >= 13 && buttonPx <= 16, `an action button's text is ${button.fontSize}`);
    return `root ${root.fontSize}, text ${body.fontSize}, buttons ${button.fontSize}`;
  });

  await e2e.step('queue-as-a-table', async () => {
    const visible = await page.evaluate(() => {
      const g = globalThis as unknown as { innerHeight: number; document: { querySelectorAll(s: string): ArrayLike<{ getBoundingClientRect(): { top: number; bottom: number } }> } };
      return Array.from(g.document.querySelectorAll('#page-staff-queue .queue-row')).filter((r) => {
        const b = r.getBoundingClientRect();
        return b.top >= 0 && b.bottom <= g.innerHeight;
      }).length;
    });
    check(visible >= 25, `${visible} queue rows fit on the first screen at ${DESK.width}×${DESK.height}, expected at least 25`);
    const [zhang, li] = SUBSCRIBERS;
    const row = onPage(page, 'page-staff-queue', `#queue-ticket-${urged}`);
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    check(text.includes(zhang.areaName) && text.includes(zhang.accountNo) && text.includes(`${zhang.masked} 138****0001`), `the urged ticket's row reads "${text}"`);
    check(text.includes('催办'), `the urged ticket is not marked: "${text}"`);
    const table = await onPage(page, 'page-staff-queue', '#queue-table').innerText();
    check(table.includes(li.areaName) && table.includes(li.accountNo), 'the second subscriber’s area name and account number are not in the queue');
    for (const leak of [zhang.areaCode, li.areaCode, zhang.phone, li.phone, zhang.holder, li.holder]) check(!table.includes(leak), `the queue shows "${leak}"`);
    return `${visible} rows on the first screen`;
  });

  let claimed = 0;
  await e2e.step('queue-keyboard', async () => {
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    const selected = onPage(page, 'page-staff-queue', '.queue-row--selected');
    claimed = Number((await selected.getAttribute('id'))?.replace('queue-ticket-', ''));
    const second = await onPage(page, 'page-staff-queue', '.queue-row').nth(1).getAttribute('id');
    check(second === `queue-ticket-${claimed}`, `j twice selected ${claimed}, the second row is ${second}`);
    await page.keyboard.press('c');
    await onPage(page, 'page-staff-queue', '#queue-notice').filter({ hasText: `已受理工单 #${claimed}` }).waitFor();
    const token = await staffToken(page);
    const t = await api<Ticket>(e2e.base, `/api/v1/staff/tickets/${claimed}`, token);
    check(t.status === 'accepted' && t.owner?.jobNo === AGENT.jobNo, `after c the ticket is ${JSON.stringify(t)}`);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await onPage(page, 'page-staff-ticket', '#staff-ticket-owner').filter({ hasText: AGENT.jobNo }).waitFor();
    const account = await onPage(page, 'page-staff-ticket', '#staff-ticket-account').innerText();
    check(account.includes('1000000001') || account.includes('2000000001'), `the ticket page names the account "${account}"`);
    return `claimed and opened #${claimed}`;
  });

  await e2e.step('queue-filters-in-the-address', async () => {
    await page.goBack();
    await onPage(page, 'page-staff-queue', '#queue-assigned').selectOption('mine');
    await onPage(page, 'page-staff-queue', '#queue-total').filter({ hasText: '共 1 张' }).waitFor();
    check(page.url().includes('assigned=mine'), `the address after filtering is ${page.url()}`);
    await page.reload();
    await onPage(page, 'page-staff-queue', `#queue-ticket-${claimed}`).waitFor();
    await onPage(page, 'page-staff-queue', '#queue-total').filter({ hasText: '共 1 张' }).waitFor();
    const kept = await onPage(page, 'page-staff-queue', '#queue-assigned').inputValue();
    check(kept === 'mine', `after a reload the ownership filter is "${kept}"`);
    return page.url().replace(e2e.base, '');
  });

  await e2e.step('search-from-any-page', async () => {
    // From the ticket page: "/" puts the cursor in the top bar's search box.
    await onPage(page, 'page-staff-queue', `#queue-ticket-${claimed}`).click();
    await onPage(page, 'page-staff-ticket', '#staff-ticket-owner').waitFor();
    await page.keyboard.press('/');
    const li = SUBSCRIBERS[1];
    await page.keyboard.type(li.phone);
    await page.keyboard.press('Enter');
    const results = onPage(page, 'page-staff-ticket', '#staff-search-results');
    await results.locator(`#staff-search-account-${li.accountNo}`).waitFor();
    const text = (await results.innerText()).replace(/\s+/g, ' ');
    check(text.includes(`户主 ${li.masked}`) && text.includes('138****0002') && !text.includes(li.phone) && !text.includes(li.holder), `the search results read "${text}"`);
    check((await results.locator('[id^="staff-search-ticket-"]').count()) === TICKETS_EACH, `searching ${li.phone} found ${await results.locator('[id^="staff-search-ticket-"]').count()} tickets, expected ${TICKETS_EACH}`);
    // By ticket number, and the result opens the ticket.
    const box = onPage(page, 'page-staff-ticket', '#staff-search');
    await box.fill(`#${urged}`);
    await box.press('Enter');
    await onPage(page, 'page-staff-ticket', `#staff-search-ticket-${urged}`).click();
    await onPage(page, 'page-staff-ticket').filter({ hasText: `工单 #${urged}` }).first().waitFor();
    await onPage(page, 'page-staff-ticket', '#staff-ticket-account').filter({ hasText: SUBSCRIBERS[0].accountNo }).waitFor();
    return `${li.phone} → ${TICKETS_EACH} tickets and account ${li.accountNo}; #${urged} opened`;
  });

  await e2e.step('account-whole', async () => {
    // The caller gives an account number: its page from the search box.
    const zhang = SUBSCRIBERS[0];
    const box = onPage(page, 'page-staff-ticket', '#staff-search');
    await box.fill(zhang.accountNo);
    await box.press('Enter');
    await onPage(page, 'page-staff-ticket', `#staff-search-account-${zhang.accountNo}`).click();
    const facts = onPage(page, 'page-staff-account', '#staff-account-facts');
    await facts.waitFor();
    const text = (await onPage(page, 'page-staff-account').innerText()).replace(/\s+/g, ' ');
    check(text.includes(`户主 ${zhang.masked}`) && text.includes(zhang.areaName) && text.includes('138****0001（默认）'), `the account page reads "${text.slice(0, 300)}"`);
    check(!text.includes(zhang.holder) && !text.includes(zhang.phone), 'the account page shows the holder or phone unmasked');
    const rows = await onPage(page, 'page-staff-account', '[id^="staff-account-ticket-"]').count();
    check(rows === TICKETS_EACH, `the account page lists ${rows} tickets, expected ${TICKETS_EACH}`);
    check((await onPage(page, 'page-staff-account', '#staff-account-bills .staff-table__row').count()) > 1, 'the account page lists no bills');
    // Each opening is in the audit log (read by an administrator).
    const admin = await api<{ token: string }>(e2e.base, '/api/v1/staff/auth/login', undefined, { method: 'POST', body: { username: 'admin1', password: 'Admin#2026' } });
    const log = await api<{ items: { action: string; entityType: string }[] }>(e2e.base, '/api/v1/staff/audit-log?entityType=account&pageSize=20', admin.token);
    check(log.items.some((a) => a.action === 'account.view'), `the audit log has no account.view: ${JSON.stringify(log.items.slice(0, 5))}`);
    return `${rows} tickets, account.view audited`;
  });

  await e2e.step('dashboard-fits-the-desk', async () => {
    page = await signInConsole(e2e, SUPERVISOR);
    await onPage(page, 'page-staff-queue', '#staff-nav-dashboard').click();
    await onPage(page, 'page-staff-dashboard', '#dashboard-metrics .metrics-row').first().waitFor();
    await settle(page);
    const fit = await page.evaluate(() => {
      const g = globalThis as unknown as {
        document: {
          querySelector(s: string): { getBoundingClientRect(): { right: number } } | null;
          querySelectorAll(s: string): ArrayLike<unknown>;
          createRange(): { selectNodeContents(n: unknown): void; getBoundingClientRect(): { height: number } };
        };
        innerWidth: number;
        getComputedStyle(e: unknown): { lineHeight: string };
      };
      const table = g.document.querySelector('#dashboard-metrics')!;
      const areaCells = Array.from(g.document.querySelectorAll('#dashboard-metrics .metrics-row > .staff-table__cell:nth-child(2)'));
      const lineHeight = Number.parseFloat(g.getComputedStyle(areaCells[0]).lineHeight);
      // The name's own text, not its cell: a row grows with its tallest cell (a suspension callback's
      // counts under its bar, say), the name must still be one line. (No named function in here: the
      // bundler's name helper does not exist in the page.)
      const heights = areaCells.map((cell) => {
        const range = g.document.createRange();
        range.selectNodeContents(cell);
        return range.getBoundingClientRect().height;
      });
      return { right: table.getBoundingClientRect().right, width: g.innerWidth, tallest: Math.max(...heights), lineHeight };
    });
    check(fit.right <= fit.width, `the dashboard's table ends at ${fit.right} px on a ${fit.width}-px screen`);
    check(fit.tallest > 0 && fit.tallest < 1.5 * fit.lineHeight, `an area name takes ${fit.tallest} px (line height ${fit.lineHeight}): more than one line`);
    return `table right edge ${Math.round(fit.right)} px, area names ≤ ${Math.round(fit.tallest)} px`;
  });

  await e2e.step('subscriber-keeps-the-phone-scale', async () => {
    // A subscriber page opened on the same desktop after the console: index.html's phone formula
    // again (40 × min(1366, 800) / 750, capped at 40 px), not the console's fixed 20 px.
    page = await openRoute(e2e, '/pages/home/index', DESK);
    await onPage(page, 'page-home').waitFor();
    await sleep(200);
    const desk = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { classList: { contains(c: string): boolean } } } }).document.documentElement.classList.contains('staff-desk'));
    const root = await styleOf(page, 'html', ['fontSize']);
    check(!desk && root.fontSize === '40px', `a subscriber page at ${DESK.width} px has the root ${root.fontSize} (desk class ${desk})`);
    return `root ${root.fontSize}`;
  });
}

runE2E({ name: 'the staff console at a desk', artifactsSubdir: 'staff-console', run: journey });
