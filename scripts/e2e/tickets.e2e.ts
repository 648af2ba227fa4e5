/**
 * Browser end-to-end test of tickets and the staff console on the H5 build, against the real server
 * on a fresh embedded database with the sandboxes and the demo data (issue 5, "Tests and checks").
 * The server, browser and step machinery is in ./harness.ts.
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npx tsx scripts/e2e/tickets.e2e.ts   (npm run test:e2e runs it after h5.e2e.ts)
 *
 * A subscriber on a phone signs in by SMS code, binds 1000000001 (张三) and reports a fault from the
 * home page's quick action. Agent 王芳 (agent1) signs in to the console on a desktop-sized screen,
 * finds the ticket in the queue and claims it. The work-order sandbox (the in-process one at
 * /sandbox/workorder) dispatches a technician and resolves it. The subscriber sees who came, with
 * the job number, and rates it 2 stars; the console then shows the callback task (回访).
 * Screenshots of every step go to artifacts/e2e/tickets/.
 */
import { api, check, ONE_PIXEL_PNG, onPage, openRoute, runE2E, signInBySms, sleep, staffToken, submitBindForm, typeInto, type E2E } from './harness';

/** The head of an iPhone photo (ISO-BMFF, brand heic): what the server sniffs; no browser here can draw it. */
const HEIC_HEAD = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic', 'ascii'), Buffer.alloc(4), Buffer.from('mif1heic', 'ascii'), Buffer.alloc(64)]);
const PHONE = '13800000001';
const PHONE_MASKED = '138****0001';
const ACCOUNT_NO = '1000000001';
const HOLDER = '张三';
/** README.md, "Demo data". */
const AGENT = { username: 'agent1', password: 'Agent#2026', name: '王芳', jobNo: 'KF1001' };
const TECHNICIAN = { name: '李师傅', jobNo: 'W1024' };
const DESCRIPTION = '家里从今天早上开始完全没有水，邻居家也一样';


const PHONE_SCREEN = { width: 390, height: 844 };
/** The console is used on a desktop: ≥ 1024 px gets its wide layout. */
const DESK_SCREEN = { width: 1366, height: 900 };

interface TicketJson {
  id: number;
  status: string;
  owner: { name: string; jobNo: string } | null;
  technician: { name: string; jobNo: string | null } | null;
  clock: { remainingMs: number; risk: string } | null;
}
interface OrderJson {
  orderNo: string;
  ticketId: number;
  status: string;
}


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

  await e2e.step('report-form', async () => {
    await onPage(e2e.page, 'page-home', '.home-actions__item--repair').click();
    const form = 'page-ticket-new';
    await onPage(e2e.page, form).waitFor();
    // The only bound account is chosen already, and a fault is the default type.
    await onPage(e2e.page, form, `.chips__item--on:has-text("${ACCOUNT_NO}")`).waitFor();
    await onPage(e2e.page, form, '#ticket-type-fault.chips__item--on').waitFor();
    await onPage(e2e.page, form, '#ticket-description textarea').fill(DESCRIPTION);
    await typeInto(e2e.page, form, 'ticket-phone', PHONE);
    // Two photos from the album (H5: the browser's file picker), uploaded at once: a PNG, and an
    // iPhone's HEIC, which the server takes and Chromium cannot draw: its tile says so.
    const [chooser] = await Promise.all([e2e.page.waitForEvent('filechooser'), onPage(e2e.page, form, '#ticket-add-photo').click()]);
    await chooser.setFiles([
      { name: 'no-water.png', mimeType: 'image/png', buffer: ONE_PIXEL_PNG },
      { name: 'meter.heic', mimeType: 'image/heic', buffer: HEIC_HEAD },
    ]);
    // Both are drawn at first; the HEIC one becomes a note once Chromium fails to decode it, so the
    // note is awaited first and then the one thumbnail left must be the PNG's.
    await onPage(e2e.page, form, '.ticket-photos__note').filter({ hasText: 'HEIC 照片，已选择，可以提交' }).waitFor();
    await onPage(e2e.page, form, '.ticket-photos__img').waitFor();
    // The first free visit slot, when the area has one.
    // The visits on offer are measured against the 24-hour commitment, and each says its weekday.
    await onPage(e2e.page, form, '#ticket-slot-commitment').filter({ hasText: '最迟' }).waitFor();
    const slot = onPage(e2e.page, form, '[id^="ticket-slot-"].chips__item').first();
    if (await slot.count()) {
      const label = await slot.innerText();
      check(/周[一二三四五六日]/.test(label) && !label.includes('晚于承诺时限'), `the first visit slot "${label}" should name its weekday and meet the commitment`);
      await slot.click();
    }
  });

  let ticketId = 0;
  await e2e.step('fault-reported', async () => {
    await onPage(e2e.page, 'page-ticket-new', '#ticket-submit').click();
    const detail = 'page-ticket-detail';
    await onPage(e2e.page, detail, '.ticket-clock__remaining').waitFor();
    const page = await e2e.api<{ items: TicketJson[] }>('/api/v1/tickets');
    const ticket = page.items[0];
    check(ticket && ticket.status === 'submitted', `GET /api/v1/tickets: ${JSON.stringify(page.items[0])}`);
    ticketId = ticket.id;
    const photos = await e2e.api<{ id: number; contentType: string }[]>(`/api/v1/tickets/${ticketId}/photos`);
    check(photos.length === 2 && photos[0].contentType === 'image/png' && photos[1].contentType === 'image/heic', `the ticket's photos: ${JSON.stringify(photos)}`);
    await onPage(e2e.page, detail, '#ticket-photo-1 .ticket-photos__img').waitFor();
    await onPage(e2e.page, detail, '#ticket-photo-2 .ticket-photos__note').filter({ hasText: '此照片无法在浏览器中预览' }).waitFor();
    const remaining = (await onPage(e2e.page, detail, '.ticket-clock__remaining').innerText()).trim();
    // An ordinary fault: 24 hours, counting down from the moment it was filed.
    check(/^剩余 2[34] 小时/.test(remaining), `the countdown shows "${remaining}", expected about 24 hours left`);
    const text = await onPage(e2e.page, detail).innerText();
    check(text.includes(PHONE_MASKED) && !text.includes(PHONE), 'the contact phone is not shown masked');
    check(text.includes('待受理'), 'the new ticket is not shown as 待受理');
    return `ticket #${ticketId}: ${remaining}`;
  });

  await e2e.step('console-sign-in', async () => {
    const page = await openRoute(e2e, '/pages/staff/login/index', DESK_SCREEN);
    await onPage(page, 'page-staff-login').waitFor();
    await typeInto(page, 'page-staff-login', 'staff-username', AGENT.username);
    await typeInto(page, 'page-staff-login', 'staff-password', AGENT.password);
    await onPage(page, 'page-staff-login', '#staff-login-submit').click();
    await onPage(page, 'page-staff-queue', '#staff-who').filter({ hasText: AGENT.jobNo }).waitFor();
  });

  await e2e.step('console-queue', async () => {
    const row = onPage(e2e.page, 'page-staff-queue', `#queue-ticket-${ticketId}`);
    await row.waitFor();
    const cls = (await row.getAttribute('class')) ?? '';
    check(/queue-row--ok/.test(cls), `a fresh 24-hour ticket should be green in the queue, its row is "${cls}"`);
    const text = await row.innerText();
    check(text.includes('待受理') && text.includes(PHONE_MASKED), `the queue row reads "${text.replace(/\s+/g, ' ')}"`);
    // The queue is a table at a desk: the ticket is one row of it, its account by number and area by name.
    const display = await row.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(el).display);
    check(display === 'table-row', `at ${DESK_SCREEN.width} px the queue should be a table (the row's display is ${display})`);
    check(text.includes(ACCOUNT_NO) && text.includes('上城区') && !text.includes('shangcheng'), `the queue row names the account and area as "${text.replace(/\s+/g, ' ')}"`);
  });

  await e2e.step('console-claimed', async () => {
    await onPage(e2e.page, 'page-staff-queue', `#queue-ticket-${ticketId}`).click();
    const detail = 'page-staff-ticket';
    await onPage(e2e.page, detail, '#staff-claim').click();
    await onPage(e2e.page, detail, '#staff-ticket-owner').filter({ hasText: `${AGENT.name}（工号 ${AGENT.jobNo}）` }).waitFor();
    // The subscriber's photos, fetched with the console's token; the HEIC one, which the desk's
    // browser cannot draw, says so and gives its original file.
    const heic = onPage(e2e.page, detail, '.ticket-photos__note').filter({ hasText: '此照片无法在浏览器中预览' });
    await heic.waitFor();
    await onPage(e2e.page, detail, '.ticket-photos__img').waitFor();
    const [download] = await Promise.all([e2e.page.waitForEvent('download'), heic.locator('taro-button-core, button').first().click()]);
    check(download.suggestedFilename() === `工单${ticketId}-照片2.heic`, `the HEIC photo downloads as ${download.suggestedFilename()}`);
    const ticket = await e2e.api<TicketJson>(`/api/v1/tickets/${ticketId}`);
    check(ticket.status === 'accepted' && ticket.owner?.jobNo === AGENT.jobNo, `after the claim the subscriber's API says ${JSON.stringify(ticket)}`);
  });

  await e2e.step('work-order-resolved', async () => {
    // The claim queued the ticket for the work-order system; the dispatcher delivers it within seconds.
    let order: OrderJson | undefined;
    for (let waited = 0; !order && waited < 20_000; waited += 250) {
      const orders = await api<OrderJson[]>(e2e.base, '/sandbox/workorder/orders');
      order = orders.find((o) => o.ticketId === ticketId);
      if (!order) await sleep(250);
    }
    check(order, `the work-order sandbox never received ticket #${ticketId}`);
    for (const status of ['dispatched', 'en_route', 'on_site', 'resolved']) {
      const moved = await api<{ openhall: { status: number; body: unknown } }>(e2e.base, `/sandbox/workorder/orders/${order.orderNo}/status`, undefined, {
        method: 'POST',
        body: { status, technicianName: TECHNICIAN.name, technicianJobNo: TECHNICIAN.jobNo, ...(status === 'resolved' ? { note: '更换了损坏的阀门，供水已恢复' } : {}) },
      });
      check(moved.openhall.status < 300, `OpenHall answered ${moved.openhall.status} to "${status}": ${JSON.stringify(moved.openhall.body)}`);
    }
    const ticket = await e2e.api<TicketJson>(`/api/v1/tickets/${ticketId}`);
    check(ticket.status === 'resolved', `after the work-order system resolved it the ticket is ${ticket.status}`);
    await e2e.page.reload();
    await onPage(e2e.page, 'page-staff-ticket', '.timeline__item--wo_resolved').waitFor();
    return `order ${order.orderNo}`;
  });

  await e2e.step('subscriber-sees-resolution', async () => {
    const page = await openRoute(e2e, `/pages/tickets/detail/index?id=${ticketId}`, PHONE_SCREEN);
    const detail = 'page-ticket-detail';
    await onPage(page, detail, '#ticket-technician').filter({ hasText: `${TECHNICIAN.name}（工号 ${TECHNICIAN.jobNo}）` }).waitFor();
    await onPage(page, detail, '#ticket-owner').filter({ hasText: `${AGENT.name}（工号 ${AGENT.jobNo}）` }).waitFor();
    await onPage(page, detail, '#ticket-confirm').waitFor();
    const clock = (await onPage(page, detail, '.ticket-clock__remaining').innerText()).trim();
    check(clock === '按时办结', `the clock of a ticket resolved within minutes reads "${clock}"`);
    await onPage(page, detail, '#ticket-rating-form').waitFor();
  });

  await e2e.step('rated-2-stars', async () => {
    const detail = 'page-ticket-detail';
    await onPage(e2e.page, detail, '#rating-star-2').click();
    await onPage(e2e.page, detail, '#rating-reason-too_slow').click();
    await onPage(e2e.page, detail, '#rating-comment textarea').fill('等了太久才有人联系我');
    await onPage(e2e.page, detail, '#rating-submit').click();
    await onPage(e2e.page, detail, '#ticket-rating-given').filter({ hasText: '客服将尽快电话回访您' }).waitFor();
    const rating = await e2e.api<{ rating: { stars: number; reasons: string[] } | null }>(`/api/v1/tickets/${ticketId}/rating`);
    check(rating.rating?.stars === 2 && rating.rating.reasons.includes('too_slow'), `the server holds the rating ${JSON.stringify(rating)}`);
  });

  await e2e.step('console-callback-task', async () => {
    const page = await openRoute(e2e, '/pages/staff/callbacks/index', DESK_SCREEN);
    const task = onPage(page, 'page-staff-callbacks', '.callback-task').filter({ hasText: `工单 #${ticketId}` });
    await task.waitFor();
    const text = (await task.innerText()).replace(/\s+/g, ' ');
    check(text.includes('低分评价') && text.includes('★★☆☆☆') && text.includes('处理太慢'), `the callback task reads "${text}"`);
    const tasks = await api<{ items: { ticketId: number; reason: string }[] }>(e2e.base, '/api/v1/staff/callbacks', await staffToken(page));
    check(tasks.items.some((t) => t.ticketId === ticketId && t.reason === 'low_rating'), `GET /api/v1/staff/callbacks: ${JSON.stringify(tasks.items)}`);
  });
}

runE2E({ name: 'tickets and the staff console', artifactsSubdir: 'tickets', run: journey, accessibility: true });
