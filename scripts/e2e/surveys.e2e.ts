/**
 * Browser journey of online surveys (issue 21), against the real server on a fresh embedded
 * database with the demo data. Harness: ./harness.ts.
 *
 *   npm run build:h5 -w client     # once, or after client changes: this script builds nothing
 *   npx tsx scripts/e2e/surveys.e2e.ts
 *
 * A supervisor opens the console's 在线调查, builds a survey for the 上城区 area (a required 1–5
 * rating and a single choice), which the builder checks before sending, and publishes it. A
 * subscriber, in another browser, signs in and binds the 上城区 water account 1000000001 (张三):
 * the home page now invites them to the survey. They answer, tick 同意回访 and submit; the page
 * thanks them and the survey can no longer be changed. Back in the console, the results show one
 * response, the rating bar at 5 and the option chosen, as the API counts them.
 */
import type { Page } from 'playwright-core';
import { api, check, onPage, openRoute, runE2E, signInBySms, staffToken, submitBindForm, typeInto, type E2E } from './harness';

const SUPERVISOR = { username: 'supervisor1', password: 'Super#2026', jobNo: 'KF2001' };
const DESK_SCREEN = { width: 1366, height: 900 };
const SUBSCRIBER_PHONE = '13800000041';
const ACCOUNT_NO = '1000000001';
const HOLDER = '张三';
const TITLE = '上城区供水服务满意度调查';

interface SurveyJson {
  id: number;
  title: string;
  phase: string;
  responses: number;
}
interface ResultsJson {
  responses: number;
  audienceSize: number | null;
  contactAgreed: number;
  questions: { questionId: number; ratings?: { score: number; count: number }[]; options?: { id: number; count: number }[] }[];
}

/** The business date `days` from today. */
function businessDay(days: number): string {
  return new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

async function journey(e2e: E2E): Promise<void> {
  const consoleId = 'page-staff-surveys';
  let staffPage: Page | null = null;
  let survey: SurveyJson | null = null;

  await e2e.step('console-sign-in', async () => {
    await e2e.openBrowser('/');
    const page = await openRoute(e2e, '/pages/staff/login/index', DESK_SCREEN);
    await onPage(page, 'page-staff-login', '#staff-username input').fill(SUPERVISOR.username);
    await onPage(page, 'page-staff-login', '#staff-password input').fill(SUPERVISOR.password);
    await onPage(page, 'page-staff-login', '#staff-login-submit').click();
    await onPage(page, 'page-staff-queue', '#staff-who').filter({ hasText: SUPERVISOR.jobNo }).waitFor();
    await onPage(page, 'page-staff-queue', '#staff-nav-surveys').click();
    await onPage(page, consoleId, '#staff-survey-new').waitFor();
    staffPage = page;
  });

  await e2e.step('build-survey', async () => {
    const page = staffPage!;
    await onPage(page, consoleId, '#staff-survey-new').click();
    // Sent empty, the builder names what is missing and sends nothing.
    await onPage(page, consoleId, '#staff-survey-form-save').click();
    const errors = (await onPage(page, consoleId, '#staff-survey-form-errors').innerText()).trim();
    check(errors.includes('标题'), `an empty survey is refused with "${errors}"`);
    await typeInto(page, consoleId, 'staff-survey-form-title', TITLE);
    await typeInto(page, consoleId, 'staff-survey-form-closesOn', businessDay(30));
    await onPage(page, consoleId, '#staff-survey-form-audience-area').click();
    await onPage(page, consoleId, '#staff-survey-form-area-shangcheng').click();
    await typeInto(page, consoleId, 'staff-survey-form-q-0-title', '您对供水服务总体满意吗？');
    await onPage(page, consoleId, '#staff-survey-form-add').click();
    await typeInto(page, consoleId, 'staff-survey-form-q-1-title', '您最常用的缴费方式');
    await onPage(page, consoleId, '#staff-survey-form-q-1-options textarea').fill('微信\n支付宝\n营业厅');
    await onPage(page, consoleId, '#staff-survey-form-save').click();
    await onPage(page, consoleId, '#staff-survey-form-save').waitFor({ state: 'detached' });
    const list = await api<{ items: SurveyJson[] }>(e2e.base, '/api/v1/staff/surveys', await staffToken(page));
    survey = list.items.find((s) => s.title === TITLE) ?? null;
    check(survey && survey.phase === 'draft', `GET /staff/surveys: ${JSON.stringify(list.items).slice(0, 200)}`);
    return `draft ${survey.id}`;
  });

  await e2e.step('publish', async () => {
    const page = staffPage!;
    await onPage(page, consoleId, `#staff-survey-${survey!.id}-publish`).click();
    await onPage(page, consoleId, `#staff-survey-${survey!.id}-close`).waitFor();
    const row = (await onPage(page, consoleId, `#staff-survey-${survey!.id}`).innerText()).replace(/\s+/g, ' ');
    check(row.includes('进行中') && row.includes('上城区用户'), `the survey row reads "${row}"`);
    return row.slice(0, 80);
  });

  // ---- a subscriber of that area, in another browser ----
  await e2e.step('subscriber-home', async () => {
    const page = await e2e.openOtherBrowser('/');
    await onPage(page, 'page-home', '#home-signin').waitFor();
  });
  await signInBySms(e2e, SUBSCRIBER_PHONE);

  await e2e.step('bind-account', async () => {
    await e2e.page.locator('.tab-bar__item--me:visible').click();
    await onPage(e2e.page, 'page-me', '#me-bind').click();
    await submitBindForm(e2e, ACCOUNT_NO, HOLDER);
    await onPage(e2e.page, 'page-me', `#account-${ACCOUNT_NO}`).waitFor();
  });

  await e2e.step('invited-on-home', async () => {
    await e2e.page.locator('.tab-bar__item--home:visible').click();
    const invite = onPage(e2e.page, 'page-home', `#home-survey-${survey!.id}`);
    await invite.waitFor();
    const text = (await invite.innerText()).replace(/\s+/g, ' ');
    check(text.includes(TITLE) && text.includes('去填写'), `the invitation reads "${text}"`);
    await invite.click();
    await onPage(e2e.page, 'page-survey', '#survey-submit').waitFor();
    return text;
  });

  await e2e.step('answer', async () => {
    const page = e2e.page;
    // Submitting without the required rating names it, under the question.
    await onPage(page, 'page-survey', '#survey-q-2-o-1').click();
    await onPage(page, 'page-survey', '#survey-submit').click();
    const refusal = (await onPage(page, 'page-survey', '#survey-q-1-error').innerText()).trim();
    check(refusal.includes('第1题'), `a missing required answer reads "${refusal}"`);
    await onPage(page, 'page-survey', '#survey-q-1-r-5').click();
    await onPage(page, 'page-survey', '#survey-contact').click();
    await onPage(page, 'page-survey', '#survey-submit').click();
    await onPage(page, 'page-survey', '#survey-thanks').waitFor();
    check(!(await onPage(page, 'page-survey', '#survey-submit').count()), 'a submitted survey still offers 提交');
    const mine = await e2e.api<{ myStatus: string; contactAgreed: boolean }>(`/api/v1/surveys/${survey!.id}`);
    check(mine.myStatus === 'submitted' && mine.contactAgreed, `GET /surveys/${survey!.id}: ${JSON.stringify(mine)}`);
    return refusal;
  });

  // ---- back in the console ----
  await e2e.step('results', async () => {
    const page = staffPage!;
    e2e.usePage(page);
    await page.bringToFront();
    await page.reload();
    await onPage(page, consoleId, `#staff-survey-${survey!.id}-results`).click();
    const summary = onPage(page, consoleId, `#staff-survey-${survey!.id}-summary`);
    await summary.waitFor();
    const text = (await summary.innerText()).trim();
    const results = await api<ResultsJson>(e2e.base, `/api/v1/staff/surveys/${survey!.id}/results`, await staffToken(page));
    check(results.responses === 1 && results.contactAgreed === 1, `GET results: ${JSON.stringify(results).slice(0, 200)}`);
    check(text.includes('已提交 1 份') && text.includes(`调查对象 ${results.audienceSize} 人`), `the results read "${text}"`);
    const five = (await onPage(page, consoleId, '#staff-survey-result-q-1-r-5').innerText()).replace(/\s+/g, '');
    check(five.includes('1（100%）'), `the rating bar at 5 reads "${five}"`);
    const wechat = (await onPage(page, consoleId, '#staff-survey-result-q-2-o-1').innerText()).replace(/\s+/g, '');
    check(wechat.includes('1（100%）'), `the 微信 bar reads "${wechat}"`);
    return text;
  });
}

runE2E({ name: 'surveys (在线调查)', artifactsSubdir: 'surveys', run: journey, accessibility: true });
