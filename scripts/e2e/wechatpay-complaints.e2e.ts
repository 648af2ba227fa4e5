/**
 * Browser journey of a WeChat Pay consumer complaint (消费者投诉 2.0, issue 24) against the real
 * server and the WeChat Pay sandbox. Harness: ./harness.ts.
 *
 *   npm run build:h5 -w client          # once, or after client changes
 *   npx tsx scripts/e2e/wechatpay-complaints.e2e.ts
 *
 * 1. A subscriber pays a bill with WeChat H5 in the sandbox's cashier.
 * 2. As the payer, a tester files a complaint about that payment on the sandbox's complaint page;
 *    WeChat Pay (the sandbox) sends the signed, encrypted COMPLAINT.CREATE notification to the
 *    server, whose poll set the notification URL at start.
 * 3. At the console (1366×800) the complaint is a complaint ticket on the 3-working-day clock,
 *    showing the payment, the payer's masked phone and WeChat's negotiation history.
 * 4. The agent claims it and replies: the reply reaches WeChat Pay as the merchant's response
 *    (处理中).
 * 5. The agent picks a GIF for a second reply: the upload is refused (WeChat Pay takes JPG, PNG, BMP),
 *    the panel says so under the picker and nothing is attached. Then a real PNG: it goes with the reply, WeChat Pay
 *    records the response with one image, and the block shows 附图 1 张 and the image itself.
 * 6. The agent resolves it: the resolution goes as a response and the complaint is completed; the
 *    ticket offers no further reply (WeChat Pay takes none after 反馈处理完成) and says why; the
 *    sandbox's complaint page shows the three replies (the second with its image) and 已处理完成.
 * 7. The payer, unsatisfied, continues the complaint on that page (继续投诉): WeChat Pay notifies
 *    COMPLAINT.STATE_CHANGE, and the console shows the ticket reopened (已受理 again, the payer's
 *    words in 处理记录, the complaint 处理中) with 回复用户 offered again. The agent replies, and the
 *    sandbox's complaint page shows the reply after the continuation.
 */
import type { FileChooser, Page } from 'playwright-core';
import { api, check, DESK, ONE_PIXEL_PNG, onPage, openRoute, runE2E, signInBySms, signInConsole, sleep, staffToken, submitBindForm, yuan, type E2E } from './harness';

const ACCOUNT_NO = '1000000001';
const HOLDER = '张三';
const PAYER_PHONE = '13912345678';
const AGENT = { username: 'agent1', password: 'Agent#2026', jobNo: 'KF1001' };
const REPLY = '您好，已核实您的缴费，账单状态将在今天内更新，给您带来不便深表歉意。';
const REPLY_WITH_IMAGE = '这是您这笔缴费的入账记录截图，请查看。';
const RESOLUTION = '账单已更新为已缴，如仍有疑问请拨打客服热线。';
const CONTINUATION = '账单还是显示未缴，问题没有解决。';
const REPLY_AFTER_CONTINUATION = '抱歉，账单状态同步延迟，我们已手动更新，请刷新后查看。';

/**
 * A real 1×1 GIF: an image, so the picker uploads it, but not a type WeChat Pay takes (JPG, PNG,
 * BMP), so the server refuses it by its bytes. (A file that is no image at all, e.g. text named
 * .png, never reaches the server: the H5 chooser leaves it out and names it under the picker.)
 */
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/**
 * What the picker says when the server refuses an image's type: the client's table words for
 * UNSUPPORTED_MEDIA_TYPE followed by the server's own, which say what to do (client/src/api/uploads.ts).
 */
const IMAGE_REFUSED = '不支持的内容格式：微信支付只接受 JPG、PNG 或 BMP 格式的图片，请转换格式（或截图）后重新上传';

interface BillJson {
  id: number;
  period: string;
  totalFen: number;
  status: string;
  payment: { channel: string; orderId: number } | null;
}

interface SandboxComplaintJson {
  complaintId: string;
  outTradeNo: string;
  state: string;
  /** `images`: the media_ids a merchant response carried. */
  history: Array<{ operateType: string; details: string; images?: string[] }>;
}

/** GET /api/v1/staff/tickets/:id/wechatpay-complaint, the parts the journey reads. */
/** GET /api/v1/staff/tickets/:id, the parts the journey reads. */
interface StaffTicketJson {
  status: string;
}

interface ComplaintBlockJson {
  negotiation: Array<{ operateType: string; details: string; imageCount?: number }>;
  deliveries: Array<{ kind: string; status: string; imageCount: number; imageIds: number[] }>;
}

async function sandboxComplaints(e2e: E2E): Promise<{ notifyUrl: string | null; complaints: SandboxComplaintJson[] }> {
  return api(e2e.base, '/sandbox/wechatpay/_hooks/complaints');
}

/** Polls `check` (a condition the server reaches asynchronously) for up to `ms`. */
async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}


/** Taps the reply panel's add-image tile and picks `file` in the browser's file chooser; answers the upload's response. */
async function attachReplyImage(page: Page, ticketId: number, file: Parameters<FileChooser['setFiles']>[0]) {
  const uploadPath = `/api/v1/staff/tickets/${ticketId}/wechatpay-complaint/images`;
  const uploaded = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === uploadPath);
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), onPage(page, 'page-staff-ticket', '#staff-reply-add-image').click()]);
  await chooser.setFiles(file);
  return uploaded;
}

async function openTicket(e2e: E2E, ticketId: number): Promise<Page> {
  const page = await openRoute(e2e, `/pages/staff/ticket/index?id=${ticketId}`, DESK);
  await onPage(page, 'page-staff-ticket', '#staff-wxcomplaint').waitFor();
  return page;
}

/** Writes `text` in the ticket page's open panel and sends it; resolves once the panel has closed. */
async function sendFromPanel(page: Page, text: string): Promise<void> {
  await onPage(page, 'page-staff-ticket', '#staff-panel-text textarea').fill(text);
  await onPage(page, 'page-staff-ticket', '#staff-panel-submit').click();
  await onPage(page, 'page-staff-ticket', '#staff-panel').waitFor({ state: 'detached' });
}

/** The complaint as WeChat Pay's sandbox has it, once `holds` says it has come to that. */
function complaintAtWechat(e2e: E2E, complaintId: string, what: string, holds: (c: SandboxComplaintJson) => boolean): Promise<SandboxComplaintJson> {
  return eventually(what, async () => {
    const c = (await sandboxComplaints(e2e)).complaints.find((x) => x.complaintId === complaintId);
    return c && holds(c) ? c : null;
  });
}

async function journey(e2e: E2E): Promise<void> {
  let bill: BillJson | undefined;
  let outTradeNo = '';
  let complaintId = '';
  let ticketId = 0;

  await e2e.step('phone-browser', async () => {
    const page = await e2e.openBrowser('/');
    await onPage(page, 'page-home').waitFor();
  });
  await signInBySms(e2e, '13800000001');
  await e2e.step('bind', async () => {
    await onPage(e2e.page, 'page-home', '#home-bind').click();
    await submitBindForm(e2e, ACCOUNT_NO, HOLDER);
  });

  await e2e.step('pay-with-wechat-h5', async () => {
    await e2e.page.goto(`${e2e.base}/#/pages/bills/index`);
    await onPage(e2e.page, 'page-bills').waitFor();
    const accounts = await e2e.api<{ id: number; accountNo: string }[]>('/api/v1/accounts');
    const account = accounts.find((a) => a.accountNo === ACCOUNT_NO);
    check(account, `${ACCOUNT_NO} is not bound`);
    const owed = (await e2e.api<{ items: BillJson[] }>(`/api/v1/bills?accountId=${account.id}&status=unpaid,overdue`)).items;
    check(owed.length > 0, 'nothing owed on the demo account');
    bill = owed[0];
    // Only the first bill ticked.
    for (const b of owed) await onPage(e2e.page, 'page-bills', `#bill-${b.id}`).waitFor();
    for (const b of owed) {
      const box = onPage(e2e.page, 'page-bills', `#bill-check-${b.id}`);
      const on = ((await box.getAttribute('class')) ?? '').includes('bill-row__check--on');
      if (on !== (b.id === bill.id)) await box.click();
    }
    await onPage(e2e.page, 'page-bills', '#bills-pay-total').filter({ hasText: yuan(bill.totalFen) }).waitFor();
    await onPage(e2e.page, 'page-bills', '#pay-channel-wechat_h5').click();
    await onPage(e2e.page, 'page-bills', '#bills-pay-submit').click();
    await e2e.page.waitForURL((u) => u.pathname.startsWith('/sandbox/wechatpay/cashier/'));
    outTradeNo = (await e2e.page.locator('#out-trade-no').innerText()).trim();
    await e2e.page.locator('#confirm').click();
    await onPage(e2e.page, 'page-pay-confirm').waitFor();
    await onPage(e2e.page, 'page-pay-confirm', '#pay-result-title').filter({ hasText: '支付成功' }).waitFor({ timeout: 30_000 });
    const paid = await e2e.api<BillJson>(`/api/v1/bills/${bill.id}`);
    check(paid.status === 'paid' && paid.payment?.channel === 'wechat_h5', `bill ${paid.id}: ${paid.status} ${JSON.stringify(paid.payment)}`);
    return `${paid.period} ${yuan(paid.totalFen)} paid, out_trade_no ${outTradeNo}`;
  });

  await e2e.step('complaint-filed-at-wechat-pay', async () => {
    // The server's poll sets the complaint notification URL a few seconds after it starts.
    const hooks = await eventually('the complaint notification URL', async () => {
      const h = await sandboxComplaints(e2e);
      return h.notifyUrl ? h : null;
    });
    check(hooks.notifyUrl!.endsWith('/api/v1/payments/notify/wechat-complaints'), `notify URL ${hooks.notifyUrl}`);
    await e2e.page.goto(`${e2e.base}/sandbox/wechatpay/complaints`);
    await e2e.page.locator('#out-trade-no').selectOption(outTradeNo);
    await e2e.page.locator('#detail').fill('已经用微信支付缴了水费，账单还显示未缴，请核实。');
    await e2e.page.locator('#phone').fill(PAYER_PHONE);
    await e2e.page.locator('#submit').click();
    await e2e.page.locator('#complaint-id').waitFor();
    complaintId = (await e2e.page.locator('#complaint-id').innerText()).trim();
    check((await e2e.page.locator('#state').getAttribute('data-state')) === 'PENDING', 'the new complaint is not PENDING');
    return `complaint ${complaintId} about ${outTradeNo}`;
  });

  await e2e.step('complaint-ticket-in-console', async () => {
    const page = await signInConsole(e2e, AGENT, false);
    const token = await staffToken(page);
    const ticket = await eventually('the complaint ticket', async () => {
      const queue = await api<{ items: Array<{ id: number; type: string; description: string }> }>(e2e.base, '/api/v1/staff/tickets?type=complaint&pageSize=50', token);
      return queue.items.find((t) => t.description.includes(complaintId));
    });
    ticketId = ticket.id;
    await openTicket(e2e, ticketId);
    const block = onPage(e2e.page, 'page-staff-ticket', '#staff-wxcomplaint');
    await block.locator('#staff-wxcomplaint-id').filter({ hasText: complaintId }).waitFor();
    await block.locator('#staff-wxcomplaint-state').filter({ hasText: '待处理' }).waitFor();
    const payment = await block.locator('#staff-wxcomplaint-payment').innerText();
    check(payment.includes(outTradeNo) && payment.includes(yuan(bill!.totalFen)), `the block shows the payment as "${payment}"`);
    const phone = (await block.locator('#staff-wxcomplaint-phone').innerText()).trim();
    check(phone === '139****5678', `the payer's phone is shown as "${phone}"`);
    await block.locator('#staff-wxcomplaint-history').filter({ hasText: '用户提交投诉' }).waitFor();
    return `ticket #${ticketId}: ${payment.replace(/\s+/g, ' ')}, payer ${phone}`;
  });

  await e2e.step('agent-replies', async () => {
    await onPage(e2e.page, 'page-staff-ticket', '#staff-claim').click();
    await onPage(e2e.page, 'page-staff-ticket', '#staff-ticket-owner').filter({ hasText: AGENT.jobNo }).waitFor();
    await onPage(e2e.page, 'page-staff-ticket', '#staff-open-reply').click();
    await sendFromPanel(e2e.page, REPLY);
    const atWechat = await complaintAtWechat(e2e, complaintId, 'the response at WeChat Pay', (c) => c.history.some((n) => n.operateType === 'MERCHANT_RESPONSE' && n.details === REPLY));
    check(atWechat.state === 'PROCESSING', `WeChat Pay has the complaint ${atWechat.state}`);
    await openTicket(e2e, ticketId);
    const block = onPage(e2e.page, 'page-staff-ticket', '#staff-wxcomplaint');
    await block.locator('#staff-wxcomplaint-state').filter({ hasText: '处理中' }).waitFor();
    await block.locator('#staff-wxcomplaint-history').filter({ hasText: '商户回复' }).waitFor();
    await block.locator('#staff-wxcomplaint-deliveries').filter({ hasText: '商户回复：微信支付已收到' }).waitFor();
    return 'the reply reached WeChat Pay as the merchant response (处理中)';
  });

  await e2e.step('reply-image-refused', async () => {
    const page = e2e.page;
    await onPage(page, 'page-staff-ticket', '#staff-open-reply').click();
    await onPage(page, 'page-staff-ticket', '#staff-reply-images').waitFor();
    const answer = await attachReplyImage(page, ticketId, { name: 'receipt.gif', mimeType: 'image/gif', buffer: GIF });
    const body = await answer.text();
    const code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
    check(answer.status() === 415 && code === 'UNSUPPORTED_MEDIA_TYPE', `the upload of a GIF answered ${answer.status()} ${body}`);
    const error = (await onPage(page, 'page-staff-ticket', '#staff-reply-image-error').innerText()).trim();
    check(error === IMAGE_REFUSED, `under the picker: "${error}"`);
    const attached = await onPage(page, 'page-staff-ticket', '.staff-reply-image').count();
    check(attached === 0, `${attached} image(s) attached after the refusal`);
    return `415 UNSUPPORTED_MEDIA_TYPE, "${error}" under the picker, nothing attached`;
  });

  await e2e.step('agent-replies-with-image', async () => {
    const page = e2e.page;
    const answer = await attachReplyImage(page, ticketId, { name: 'receipt.png', mimeType: 'image/png', buffer: ONE_PIXEL_PNG });
    check(answer.status() === 201, `the upload of a PNG answered ${answer.status()} ${await answer.text()}`);
    await onPage(page, 'page-staff-ticket', '.staff-reply-image').waitFor();
    const attached = await onPage(page, 'page-staff-ticket', '.staff-reply-image').count();
    check(attached === 1, `${attached} image(s) attached, expected the one PNG`);
    // A new pick clears the last refusal.
    await onPage(page, 'page-staff-ticket', '#staff-reply-image-error').waitFor({ state: 'detached' });
    await sendFromPanel(page, REPLY_WITH_IMAGE);

    // WeChat Pay: the response carries one image, uploaded there first (a media_id it issued for a .png).
    const atWechat = await eventually('the response with its image at WeChat Pay', async () => {
      const c = (await sandboxComplaints(e2e)).complaints.find((x) => x.complaintId === complaintId);
      return c?.history.find((n) => n.operateType === 'MERCHANT_RESPONSE' && n.details === REPLY_WITH_IMAGE);
    });
    check(atWechat.images?.length === 1 && /\.png$/.test(atWechat.images[0]), `WeChat Pay recorded the response with images ${JSON.stringify(atWechat.images)}`);

    // The console's view once the outbox marked it sent and WeChat's history was read again.
    const token = await staffToken(page);
    const view = await eventually('the delivered reply with its image in the console', async () => {
      const v = await api<ComplaintBlockJson>(e2e.base, `/api/v1/staff/tickets/${ticketId}/wechatpay-complaint`, token);
      const sent = v.deliveries.some((d) => d.imageCount === 1 && d.status === 'sent');
      const read = v.negotiation.some((n) => n.operateType === 'MERCHANT_RESPONSE' && n.details === REPLY_WITH_IMAGE && n.imageCount === 1);
      return sent && read ? v : null;
    });
    const n = view.deliveries.findIndex((d) => d.imageCount === 1) + 1;
    const imageId = view.deliveries[n - 1].imageIds[0];
    // What the console keeps is the file the agent picked.
    const stored = await fetch(`${e2e.base}/api/v1/staff/tickets/${ticketId}/wechatpay-complaint/images/${imageId}`, { headers: { Authorization: `Bearer ${token}` } });
    const bytes = Buffer.from(await stored.arrayBuffer());
    check(stored.ok && stored.headers.get('content-type') === 'image/png' && bytes.equals(ONE_PIXEL_PNG), `image ${imageId}: ${stored.status} ${stored.headers.get('content-type')}, ${bytes.length} bytes`);

    await openTicket(e2e, ticketId);
    const block = onPage(e2e.page, 'page-staff-ticket', '#staff-wxcomplaint');
    await block.locator('#staff-wxcomplaint-deliveries').filter({ hasText: '商户回复（附图 1 张）：微信支付已收到' }).waitFor();
    await block.locator('#staff-wxcomplaint-history .staff-wxcomplaint__entry').filter({ hasText: REPLY_WITH_IMAGE }).filter({ hasText: '附图 1 张' }).waitFor();
    const thumbnail = block.locator(`#staff-wxcomplaint-delivery-${n}-image-1 img`);
    await thumbnail.waitFor();
    // The screenshot shows the block's image.
    await thumbnail.scrollIntoViewIfNeeded();
    const width = await eventually('the thumbnail to load', () =>
      thumbnail.evaluate((el) => {
        const img = el as unknown as { complete: boolean; naturalWidth: number };
        return img.complete && img.naturalWidth > 0 ? img.naturalWidth : 0;
      }),
    );
    return `image #${imageId} sent as ${atWechat.images[0]}; delivery ${n} shows 附图 1 张, thumbnail ${width} px wide`;
  });

  await e2e.step('agent-resolves', async () => {
    await onPage(e2e.page, 'page-staff-ticket', '#staff-open-resolve').click();
    await sendFromPanel(e2e.page, RESOLUTION);
    await complaintAtWechat(e2e, complaintId, 'the completion at WeChat Pay', (c) => c.state === 'PROCESSED');
    await openTicket(e2e, ticketId);
    await onPage(e2e.page, 'page-staff-ticket', '#staff-wxcomplaint-state').filter({ hasText: '已处理完成' }).waitFor();
    const closed = await onPage(e2e.page, 'page-staff-ticket', '#staff-reply-closed').innerText();
    check(closed.includes('微信支付不再接受商户回复') && closed.includes('联系电话'), `the reply-closed note reads "${closed}"`);
    check((await e2e.page.locator('#staff-open-reply').count()) === 0, 'no 回复用户 is offered after 反馈处理完成');
    return 'resolved: response and 反馈处理完成 sent; no further reply offered';
  });

  await e2e.step('sandbox-shows-processed', async () => {
    await e2e.page.goto(`${e2e.base}/sandbox/wechatpay/complaints/${complaintId}`);
    await e2e.page.locator('#state[data-state="PROCESSED"]').waitFor();
    const history = await e2e.page.locator('#history').innerText();
    check(history.includes(REPLY) && history.includes(REPLY_WITH_IMAGE) && history.includes(RESOLUTION), `the negotiation history is "${history}"`);
    const types = await e2e.page.locator('#history li').evaluateAll((els) => els.map((el) => (el as unknown as { dataset: { type: string } }).dataset.type));
    check(
      JSON.stringify(types) === JSON.stringify(['USER_CREATE_COMPLAINT', 'MERCHANT_RESPONSE', 'MERCHANT_RESPONSE', 'MERCHANT_RESPONSE', 'MERCHANT_CONFIRM_COMPLETE']),
      `history types ${JSON.stringify(types)}`,
    );
    // Only the second reply carried an image.
    const images = await e2e.page.locator('#history li').evaluateAll((els) =>
      els.map((el) => (el as unknown as { querySelector(s: string): { textContent: string | null } | null }).querySelector('.images')?.textContent ?? ''),
    );
    check(JSON.stringify(images) === JSON.stringify(['', '', '附图 1 张', '', '']), `images per history entry ${JSON.stringify(images)}`);
    return `WeChat Pay: ${(await e2e.page.locator('#state').innerText()).trim()}, ${types.length} entries`;
  });

  await e2e.step('payer-continues-at-wechat-pay', async () => {
    // On the complaint page of the last step, as the payer: 对处理结果不满意？继续投诉.
    await e2e.page.locator('#continue-content').fill(CONTINUATION);
    await e2e.page.locator('#continue').click();
    await e2e.page.locator('#state[data-state="PROCESSING"]').waitFor();
    await e2e.page.locator('#history li[data-type="USER_CONTINUE_COMPLAINT"]').filter({ hasText: CONTINUATION }).waitFor();
    check((await e2e.page.locator('#continue').count()) === 0, 'the page still offers 继续投诉 while the complaint is 处理中');
    return `WeChat Pay: ${(await e2e.page.locator('#state').innerText()).trim()} after 用户继续投诉`;
  });

  await e2e.step('ticket-reopened-in-console', async () => {
    // WeChat Pay's COMPLAINT.STATE_CHANGE notification makes the server read the complaint again.
    const page = await openTicket(e2e, ticketId);
    const token = await staffToken(page);
    await eventually('the ticket reopened', async () => {
      const t = await api<StaffTicketJson>(e2e.base, `/api/v1/staff/tickets/${ticketId}`, token);
      return t.status === 'accepted';
    });
    await openTicket(e2e, ticketId);
    const title = onPage(e2e.page, 'page-staff-ticket', '.section__title').filter({ hasText: `#${ticketId} ` });
    await title.filter({ hasText: '已受理' }).waitFor();
    const reopened = onPage(e2e.page, 'page-staff-ticket', '.timeline__item--reopened').filter({ hasText: CONTINUATION });
    await reopened.waitFor();
    const entry = (await reopened.locator('.timeline__message').innerText()).trim();
    check(entry.includes('继续投诉'), `the reopening entry reads "${entry}"`);
    const block = onPage(e2e.page, 'page-staff-ticket', '#staff-wxcomplaint');
    await block.locator('#staff-wxcomplaint-state').filter({ hasText: '处理中' }).waitFor();
    await block.locator('#staff-wxcomplaint-history').filter({ hasText: '用户继续投诉' }).filter({ hasText: CONTINUATION }).waitFor();
    await onPage(e2e.page, 'page-staff-ticket', '#staff-open-reply').waitFor();
    check((await e2e.page.locator('#staff-reply-closed').count()) === 0, 'the reply-closed note is still shown after the payer continued');
    return `${(await title.innerText()).trim()}; 处理记录: "${entry}"; 回复用户 offered again`;
  });

  await e2e.step('agent-replies-after-continuation', async () => {
    await onPage(e2e.page, 'page-staff-ticket', '#staff-open-reply').click();
    await sendFromPanel(e2e.page, REPLY_AFTER_CONTINUATION);
    await complaintAtWechat(e2e, complaintId, 'the reply after the continuation at WeChat Pay', (c) => c.history.some((n) => n.operateType === 'MERCHANT_RESPONSE' && n.details === REPLY_AFTER_CONTINUATION));
    await openTicket(e2e, ticketId);
    await onPage(e2e.page, 'page-staff-ticket', '#staff-wxcomplaint-history').filter({ hasText: REPLY_AFTER_CONTINUATION }).waitFor();
    return 'the reply reached WeChat Pay as a merchant response';
  });

  await e2e.step('sandbox-shows-reply-after-continuation', async () => {
    await e2e.page.goto(`${e2e.base}/sandbox/wechatpay/complaints/${complaintId}`);
    await e2e.page.locator('#state[data-state="PROCESSING"]').waitFor();
    const entries = await e2e.page.locator('#history li').evaluateAll((els) =>
      els.map((el) => ({ type: (el as unknown as { dataset: { type: string } }).dataset.type, text: (el as unknown as { textContent: string | null }).textContent ?? '' })),
    );
    const types = entries.map((x) => x.type);
    check(
      JSON.stringify(types.slice(-3)) === JSON.stringify(['MERCHANT_CONFIRM_COMPLETE', 'USER_CONTINUE_COMPLAINT', 'MERCHANT_RESPONSE']),
      `history types ${JSON.stringify(types)}`,
    );
    check(entries.at(-2)!.text.includes(CONTINUATION) && entries.at(-1)!.text.includes(REPLY_AFTER_CONTINUATION), `the last entries read ${JSON.stringify(entries.slice(-2))}`);
    return `WeChat Pay: ${(await e2e.page.locator('#state').innerText()).trim()}, ${types.length} entries, the reply after 用户继续投诉`;
  });
}

runE2E({
  name: 'wechatpay-complaints',
  artifactsSubdir: 'wechatpay-complaints',
  serverEnv: { SANDBOX_NOTIFY_SCALE: '0.01' },
  run: journey,
});
