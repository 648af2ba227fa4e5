/**
 * Browser end-to-end test of a prepaid account (预付费, issue 15) on the H5 build, against the real
 * server on a fresh embedded database with the sandboxes and the demo data. The server, browser
 * and step machinery is in ./harness.ts.
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npx tsx scripts/e2e/prepaid.e2e.ts
 *
 * A family member signs in with an SMS code as 13900000015 and binds the prepaid broadband account
 * 3000000001 (赵六, registered phone 13800000004, 35.00 left) by the holder's name; the home page
 * shows its balance with 充值. On the balance page they set a low-balance threshold of 50.00, above
 * the balance, so the page says the balance is below it. They top up 50.00 (a preset the server
 * offers) through the Alipay sandbox cashier; the confirming page shows the new balance, 85.00, and
 * the balance page the top-up in its history. The billing system then deducts a month's fee
 * through its signed inlet (a `ledger` record, as the operator's billing system sends them): the
 * balance falls to 35.00, below the threshold again. They stop the service in a hurry (two taps);
 * the page shows the stop take effect, with its time, without being reloaded, and exactly one
 * low-balance SMS has arrived for the fall below the threshold. Last they reopen the service with
 * the code texted to the account's registered phone (not theirs), and the page shows it back on.
 * Screenshots of every step go to artifacts/e2e/prepaid/.
 *
 * What goes through the outbox (the notices, and the stop and reopening to the billing system) is
 * delivered by the server's outbox runner, every 2 s in the journeys (OUTBOX_INTERVAL_SECONDS,
 * set by the harness; 30 s by default).
 */
import { signedBatchHeaders } from '../../server/src/integrations/billing/billing.protocol';
import { api, check, onPage, runE2E, signInBySms, sleep, submitBindForm, typeInto, yuan, type E2E } from './harness';

/** The signed-in subscriber: not the account's holder. */
const PHONE = '13900000015';
/** The account's registered phone, where the reopening code goes. */
const HOLDER_PHONE = '13800000004';
const HOLDER_PHONE_MASKED = '138****0004';
const ACCOUNT_NO = '3000000001';
const HOLDER = '赵六';
const HOLDER_MASKED = '赵*';
const START_BALANCE_FEN = 3500;
const DEFAULT_THRESHOLD_FEN = 2000;
const THRESHOLD_FEN = 5000;
const TOP_UP_FEN = 5000;
/** A month of prepaid broadband (the demo account's fee). */
const DEDUCTION_FEN = 5000;
/** Signs the billing inlet's batches; the server under test is given the same. */
const BILLING_SECRET = 'e2e-prepaid-billing-secret';
/**
 * The outbox (notifications, and service requests to the billing system) is drained by the
 * payment housekeeping job every 2 s here; the balance page asks again every 5 s while a request is
 * pending: what arrives through the outbox shows within this.
 */
const OUTBOX_WAIT_MS = 20_000;

interface PrepaidJson {
  accountId: number;
  balanceFen: number;
  arrearsFen: number;
  status: 'active' | 'suspended' | 'closed';
  suspension: { reason: string; since: string | null } | null;
  lowBalance: { thresholdFen: number; isDefault: boolean; below: boolean };
  topUp: { presetsFen: number[]; minFen: number; maxFen: number };
  latestRequest: { id: number; kind: string; status: string; effectiveAt: string | null } | null;
}
interface LedgerJson {
  id: number;
  kind: string;
  amountFen: number;
  balanceAfterFen: number | null;
  description: string;
}
interface SmsJson {
  text: string;
}

/** What the SMS sandbox sent to `phone`, newest first. */
async function smsTo(e2e: E2E, phone: string): Promise<SmsJson[]> {
  return api<SmsJson[]>(e2e.base, `/sandbox/sms?phone=${phone}`);
}

/** The messages sent to `phone` since it had `before` (the sandbox lists newest first). */
async function smsSince(e2e: E2E, phone: string, before: number): Promise<SmsJson[]> {
  const all = await smsTo(e2e, phone);
  return all.slice(0, Math.max(0, all.length - before));
}

/** Polls `probe` until it answers something truthy, or fails naming what was awaited. */
async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`waited ${timeoutMs / 1000} s for ${what}`);
    await sleep(250);
  }
}

async function journey(e2e: E2E): Promise<void> {
  await e2e.step('open-home', async () => {
    const page = await e2e.openBrowser('/');
    await onPage(page, 'page-home', '#home-signin').waitFor();
  });

  await signInBySms(e2e, PHONE);

  let accountId = 0;
  await e2e.step('bind-prepaid-account', async () => {
    await onPage(e2e.page, 'page-home', '#home-bind').click();
    await submitBindForm(e2e, ACCOUNT_NO, HOLDER);
    const card = onPage(e2e.page, 'page-home', `#account-${ACCOUNT_NO}`);
    await card.waitFor();
    const accounts = await e2e.api<{ id: number; accountNo: string }[]>('/api/v1/accounts');
    accountId = accounts.find((a) => a.accountNo === ACCOUNT_NO)?.id ?? 0;
    check(accountId, `${ACCOUNT_NO} is not bound after the form`);
    const view = await e2e.api<PrepaidJson>(`/api/v1/accounts/${accountId}/prepaid`);
    check(view.balanceFen === START_BALANCE_FEN, `the demo account should have ${yuan(START_BALANCE_FEN)}; the API says ${yuan(view.balanceFen)}`);
    // A prepaid card: the balance and 充值, not bills owed.
    await card.locator(`#account-${ACCOUNT_NO}-topup`).waitFor();
    const amount = (await card.locator('.account-card__amount').innerText()).trim();
    check(amount === yuan(view.balanceFen), `the card shows ${amount}; the API says ${yuan(view.balanceFen)}`);
    const holder = (await card.locator('.account-card__name').innerText()).trim();
    check(holder === HOLDER_MASKED, `holder shows "${holder}", expected "${HOLDER_MASKED}"`);
    check(!(await card.innerText()).includes('待缴'), 'the prepaid card speaks of bills owed');
    return `${holder}: ${amount} on the card`;
  });

  await e2e.step('balance-page', async () => {
    await onPage(e2e.page, 'page-home', `#account-${ACCOUNT_NO}-balance`).click();
    const page = 'page-prepaid';
    await onPage(e2e.page, page, '#prepaid-balance').filter({ hasText: yuan(START_BALANCE_FEN) }).waitFor();
    const status = (await onPage(e2e.page, page, '#prepaid-status').innerText()).trim();
    check(status === '正常使用', `the status reads "${status}"`);
    const threshold = (await onPage(e2e.page, page, '#threshold-current').innerText()).trim();
    check(threshold.includes(yuan(DEFAULT_THRESHOLD_FEN)) && threshold.includes('默认'), `the threshold reads "${threshold}", expected the default ${yuan(DEFAULT_THRESHOLD_FEN)}`);
    // The history: the demo's last deduction first.
    const ledger = await e2e.api<{ items: LedgerJson[] }>(`/api/v1/accounts/${accountId}/ledger?page=1&pageSize=10`);
    const newest = ledger.items[0];
    check(newest, 'the API lists no ledger entry for the demo account');
    const row = onPage(e2e.page, page, `#ledger-${newest.id}`);
    await row.waitFor();
    const rowText = await row.innerText();
    check(rowText.includes(`-${yuan(-newest.amountFen)}`), `the newest entry shows "${rowText.replace(/\s+/g, ' ')}", expected -${yuan(-newest.amountFen)}`);
    check(!(await onPage(e2e.page, page).innerText()).includes(HOLDER), `the unmasked holder name ${HOLDER} is on the page`);
    return `${yuan(START_BALANCE_FEN)}, ${status}; newest entry ${newest.description} -${yuan(-newest.amountFen)}`;
  });

  await e2e.step('threshold-above-balance', async () => {
    const page = 'page-prepaid';
    await onPage(e2e.page, page, '#threshold-mode-custom').click();
    await typeInto(e2e.page, page, 'threshold-input', (THRESHOLD_FEN / 100).toFixed(2));
    await onPage(e2e.page, page, '#threshold-save').click();
    await onPage(e2e.page, page, '#threshold-current').filter({ hasText: `${yuan(THRESHOLD_FEN)} 时提醒我（自定义）` }).waitFor();
    await onPage(e2e.page, page, '#threshold-below').waitFor();
    await onPage(e2e.page, page, '#prepaid-low').filter({ hasText: yuan(THRESHOLD_FEN) }).waitFor();
    const view = await e2e.api<PrepaidJson>(`/api/v1/accounts/${accountId}/prepaid`);
    check(view.lowBalance.thresholdFen === THRESHOLD_FEN && !view.lowBalance.isDefault && view.lowBalance.below, `the API says ${JSON.stringify(view.lowBalance)}`);
    return `threshold ${yuan(THRESHOLD_FEN)} > balance ${yuan(view.balanceFen)}: below`;
  });

  await e2e.step('topup-page', async () => {
    await onPage(e2e.page, 'page-prepaid', '#prepaid-topup').click();
    const page = 'page-topup';
    await onPage(e2e.page, page, '#topup-balance').filter({ hasText: yuan(START_BALANCE_FEN) }).waitFor();
    // The amounts offered are the operator's, as the server states them.
    const rules = (await e2e.api<PrepaidJson>(`/api/v1/accounts/${accountId}/prepaid`)).topUp;
    const ids = await onPage(e2e.page, page, '.topup-preset').evaluateAll((els) => els.map((el) => (el as unknown as { id: string }).id));
    check(ids.join() === rules.presetsFen.map((f) => `topup-preset-${f}`).join(), `the page offers ${ids.join()}; the server's presets are ${rules.presetsFen.join()}`);
    check(rules.presetsFen.includes(TOP_UP_FEN), `${yuan(TOP_UP_FEN)} is not a preset (${rules.presetsFen.join()})`);
    const range = (await onPage(e2e.page, page, '.topup-custom .muted').innerText()).trim();
    check(range.includes((rules.minFen / 100).toFixed(2)) && range.includes((rules.maxFen / 100).toFixed(2)), `the custom range reads "${range}"; the server says ${rules.minFen}–${rules.maxFen} fen`);
    await onPage(e2e.page, page, `#topup-preset-${TOP_UP_FEN}`).click();
    await onPage(e2e.page, page, '#pay-channel-alipay_wap').click();
    await onPage(e2e.page, page, '#topup-pay').filter({ hasText: yuan(TOP_UP_FEN) }).waitFor();
    return `presets ${rules.presetsFen.map(yuan).join(' / ')}; ${range}`;
  });

  await e2e.step('topup-cashier', async () => {
    await onPage(e2e.page, 'page-topup', '#topup-pay').click();
    await e2e.page.waitForURL((u) => u.pathname.startsWith('/sandbox/'));
    // The sandbox cashier asks for what the server priced.
    const asked = (await e2e.page.locator('#amount').innerText()).replace(/^¥/, '').trim();
    check(asked === (TOP_UP_FEN / 100).toFixed(2), `the cashier asks for ${asked}, expected ${yuan(TOP_UP_FEN)}`);
    return `${yuan(TOP_UP_FEN)} at ${new URL(e2e.page.url()).pathname}`;
  });

  const afterTopUpFen = START_BALANCE_FEN + TOP_UP_FEN;
  await e2e.step('topup-paid-new-balance', async () => {
    await e2e.page.locator('#confirm').click();
    const page = 'page-pay-confirm';
    await onPage(e2e.page, page).waitFor();
    const id = Number(new URL(e2e.page.url()).searchParams.get('paymentId'));
    check(Number.isSafeInteger(id) && id > 0, `the gateway came back to ${e2e.page.url()}, without ?paymentId=`);
    await onPage(e2e.page, page, '#pay-result[data-phase="paid"]').waitFor({ timeout: 30_000 });
    const order = await e2e.api<{ status: string; kind: string; amountFen: number }>(`/api/v1/payments/${id}`);
    check(order.status === 'paid' && order.kind === 'topup' && order.amountFen === TOP_UP_FEN, `order ${id}: ${JSON.stringify(order)}`);
    await onPage(e2e.page, page, '#pay-new-balance').filter({ hasText: yuan(afterTopUpFen) }).waitFor();
    const view = await e2e.api<PrepaidJson>(`/api/v1/accounts/${accountId}/prepaid`);
    check(view.balanceFen === afterTopUpFen, `the page says ${yuan(afterTopUpFen)}; the API says ${yuan(view.balanceFen)}`);
    return `order ${id} paid; balance ${yuan(view.balanceFen)}`;
  });

  await e2e.step('ledger-shows-topup', async () => {
    await onPage(e2e.page, 'page-pay-confirm', '#pay-prepaid').click();
    const page = 'page-prepaid';
    await onPage(e2e.page, page, '#prepaid-balance').filter({ hasText: yuan(afterTopUpFen) }).waitFor();
    const ledger = await e2e.api<{ items: LedgerJson[] }>(`/api/v1/accounts/${accountId}/ledger?page=1&pageSize=10`);
    const topUp = ledger.items[0];
    check(topUp?.kind === 'topup' && topUp.amountFen === TOP_UP_FEN, `the newest entry is ${JSON.stringify(topUp)}`);
    const row = onPage(e2e.page, page, `#ledger-${topUp.id}`);
    await row.waitFor();
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    check(text.includes(`+${yuan(TOP_UP_FEN)}`) && text.includes(`余额 ${yuan(afterTopUpFen)}`), `the top-up shows "${text}"`);
    // Back above the threshold: no low-balance warning.
    check((await onPage(e2e.page, page, '#prepaid-low').count()) === 0, 'the page still says the balance is below the threshold');
    return `${topUp.description} +${yuan(TOP_UP_FEN)} → ${yuan(afterTopUpFen)}`;
  });

  const afterDeductionFen = afterTopUpFen - DEDUCTION_FEN;
  let smsBeforeDeduction = 0;
  let deductionText = '';
  await e2e.step('deduction-below-threshold', async () => {
    smsBeforeDeduction = (await smsTo(e2e, PHONE)).length;
    // The billing system's monthly deduction, through its signed inlet.
    const now = new Date();
    const month = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
    deductionText = `${month}宽带月租`;
    const record = {
      type: 'ledger',
      id: `E2E-DEDUCT-${now.getTime()}`,
      version: 1,
      accountNo: ACCOUNT_NO,
      kind: 'deduction',
      amountFen: -DEDUCTION_FEN,
      balanceAfterFen: afterDeductionFen,
      occurredAt: now.toISOString(),
      description: deductionText,
    };
    const body = `${JSON.stringify(record)}\n`;
    const batchId = `e2e-prepaid-${now.getTime()}`;
    const res = await fetch(`${e2e.base}/api/v1/integrations/billing/batches?wait=true`, { method: 'POST', headers: signedBatchHeaders(BILLING_SECRET, batchId, body, now), body });
    const answer = (await res.json()) as { data?: { accepted: number; rejected: number; results?: unknown[] } };
    check(res.ok && answer.data?.accepted === 1, `the inlet answered ${res.status} ${JSON.stringify(answer).slice(0, 400)}`);

    // What a pull-down refresh shows: the page loaded afresh.
    await e2e.page.reload();
    const page = 'page-prepaid';
    await onPage(e2e.page, page, '#prepaid-balance').filter({ hasText: yuan(afterDeductionFen) }).waitFor();
    await onPage(e2e.page, page, '#prepaid-low').filter({ hasText: yuan(THRESHOLD_FEN) }).waitFor();
    const row = onPage(e2e.page, page, '.ledger-row').first();
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    check(text.includes(`-${yuan(DEDUCTION_FEN)}`) && text.includes(deductionText), `the newest entry shows "${text}"`);
    return `balance ${yuan(afterDeductionFen)} < ${yuan(THRESHOLD_FEN)}`;
  });

  await e2e.step('emergency-stop-two-taps', async () => {
    const page = 'page-prepaid';
    await onPage(e2e.page, page, '#stop-start').click();
    const summary = (await onPage(e2e.page, page, '#stop-summary').innerText()).trim();
    check(summary.includes(ACCOUNT_NO) && summary.includes(HOLDER_PHONE_MASKED), `the confirmation says "${summary}"`);
    await onPage(e2e.page, page, '#stop-confirm').click();
    // Filed: shown as pending, or already done when the outbox (every 2 s) delivered it before the
    // page read the account again; the next step waits for it to be done either way.
    await onPage(e2e.page, page, '#prepaid-request:is([data-status="pending"], [data-status="done"])').filter({ hasText: '紧急停机' }).waitFor();
    const view = await e2e.api<PrepaidJson>(`/api/v1/accounts/${accountId}/prepaid`);
    check(view.latestRequest?.kind === 'suspend', `the API's latest request is ${JSON.stringify(view.latestRequest)}`);
    return summary;
  });

  await e2e.step('stop-effective-and-alert', async () => {
    const page = 'page-prepaid';
    // The billing system confirms through the outbox; the page asks again by itself while the stop is pending.
    await onPage(e2e.page, page, '#prepaid-request[data-status="done"]').filter({ hasText: '紧急停机' }).waitFor({ timeout: OUTBOX_WAIT_MS });
    await onPage(e2e.page, page, '#prepaid-status').filter({ hasText: '已停机（用户申请停机）' }).waitFor();
    const effective = (await onPage(e2e.page, page, '#prepaid-request-effective').innerText()).trim();
    await onPage(e2e.page, page, '#reopen-send').waitFor();
    const view = await e2e.api<PrepaidJson>(`/api/v1/accounts/${accountId}/prepaid`);
    check(view.status === 'suspended' && view.suspension?.reason === 'request', `the API says ${view.status} for ${view.suspension?.reason}`);

    // The same delivery carried the alert for the fall below the threshold: one, not one per update.
    const since = await eventually('the low-balance SMS and the stop notice', async () => {
      const messages = await smsSince(e2e, PHONE, smsBeforeDeduction);
      return messages.some((m) => m.text.includes('紧急停机')) && messages.some((m) => m.text.includes('低于提醒金额')) ? messages : null;
    }, 10_000);
    const alerts = since.filter((m) => m.text.includes('低于提醒金额'));
    check(alerts.length === 1, `${alerts.length} low-balance messages: ${alerts.map((m) => m.text).join(' | ')}`);
    const alert = alerts[0].text;
    check(alert.includes(ACCOUNT_NO) && alert.includes((afterDeductionFen / 100).toFixed(2)) && alert.includes((THRESHOLD_FEN / 100).toFixed(2)), `the alert says "${alert}"`);
    const stopped = since.find((m) => m.text.includes('紧急停机'))!.text;
    check(stopped.includes(ACCOUNT_NO) && stopped.includes('生效时间'), `the stop notice says "${stopped}"`);
    return `${effective}; SMS: ${alert}`;
  });

  let smsBeforeCode = 0;
  await e2e.step('reopen-code-to-registered-phone', async () => {
    const page = 'page-prepaid';
    smsBeforeCode = (await smsTo(e2e, HOLDER_PHONE)).length;
    const note = (await onPage(e2e.page, page, '#reopen').innerText()).replace(/\s+/g, ' ');
    check(note.includes(HOLDER_PHONE_MASKED), `the reopening says "${note}"`);
    await onPage(e2e.page, page, '#reopen-send').click();
    await onPage(e2e.page, page, '#reopen-sent').filter({ hasText: HOLDER_PHONE_MASKED }).waitFor();
    await onPage(e2e.page, page, '#reopen-send').filter({ hasText: '秒后重发' }).waitFor();
    return `code sent to ${HOLDER_PHONE_MASKED}`;
  });

  await e2e.step('reopened', async () => {
    const page = 'page-prepaid';
    const message = await eventually('the reopening code', async () => (await smsSince(e2e, HOLDER_PHONE, smsBeforeCode)).find((m) => m.text.includes('复机') && m.text.includes('验证码')), 10_000);
    const found = /(?<!\d)(\d{6})(?!\d)/.exec(message.text);
    check(found, `no 6-digit code in the SMS text: ${message.text}`);
    await typeInto(e2e.page, page, 'reopen-code', found[1]);
    await onPage(e2e.page, page, '#reopen-submit').click();
    // Pending, or done already (see the stop above).
    await onPage(e2e.page, page, '#prepaid-request:is([data-status="pending"], [data-status="done"])').filter({ hasText: '复机申请' }).waitFor();
    // Carried out through the outbox again; the page follows it by itself.
    await onPage(e2e.page, page, '#prepaid-request[data-status="done"]').filter({ hasText: '复机申请' }).waitFor({ timeout: OUTBOX_WAIT_MS });
    await onPage(e2e.page, page, '#prepaid-status').filter({ hasText: '正常使用' }).waitFor();
    await onPage(e2e.page, page, '#stop-start').waitFor();
    const view = await e2e.api<PrepaidJson>(`/api/v1/accounts/${accountId}/prepaid`);
    check(view.status === 'active' && view.latestRequest?.kind === 'reopen' && view.latestRequest.status === 'done', `the API says ${view.status}, ${JSON.stringify(view.latestRequest)}`);
    const effective = (await onPage(e2e.page, page, '#prepaid-request-effective').innerText()).trim();
    return `code ${found[1]}; reopened, ${effective}`;
  });
}

runE2E({ name: 'prepaid account', artifactsSubdir: 'prepaid', serverEnv: { BILLING_SECRET }, run: journey, accessibility: true });
